/** The signals that stop `switchboard serve` cleanly: Ctrl+C, a service manager, the terminal closing. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
