/**
 * What `switchboard serve <file>` does before the gateway starts: read the app
 * from its file and start the AWS services it uses (DynamoDB Local), pointing
 * every function at them.
 */
import type { GatewayDefinition } from '../definition.ts';
import { ConfigError } from '../errors.ts';
import { loadApp } from './load-app.ts';
import { type LocalServiceOptions, startLocalServices } from './local-services/local-services.ts';
import { AppKind, type AppOptions, type ServedApp } from './served-app.ts';

export interface ServeAppOptions extends AppOptions, LocalServiceOptions {
  /**
   * Endpoints of other services that AWS integrations call (`--aws-endpoint sqs=URL`),
   * e.g. LocalStack's; they win over the DynamoDB Local the run starts.
   */
  awsEndpoints?: Record<string, string>;
}

export interface PreparedApp {
  app: ServedApp;
  /** The app's definition, its functions pointed at the local services. */
  definition: GatewayDefinition;
  /** Banner lines: where the local services answer. */
  banner: string[];
  /** Start-up notes: what is not emulated, settings without local effect. */
  notices: string[];
  /** Stops the local services (after the gateway). */
  close(): Promise<void>;
}

/**
 * @param clustered one of several gateway processes (`--workers`): they cannot each
 * start their own DynamoDB Local on one data folder.
 */
export async function prepareApp(file: string, options: ServeAppOptions, clustered = false): Promise<PreparedApp> {
  const app = await loadApp(file, options);
  if (app.kind === AppKind.config && !options.dynamodbEndpoint) {
    const definition = options.awsEndpoints ? withEndpoints(app.definition, options.awsEndpoints) : app.definition;
    return { app, definition, banner: [], notices: app.notices, close: async () => {} };
  }
  if (clustered && app.tables.length > 0 && !options.dynamodbEndpoint) {
    throw new ConfigError(
      'with --workers, the gateway processes share one DynamoDB: start DynamoDB Local once and pass --dynamodb-endpoint <url>',
      { file },
    );
  }
  const services = await startLocalServices(app, options);
  const awsServices = {
    ...services.awsServices,
    ...app.definition.awsServices,
    endpoints: { ...services.awsServices.endpoints, ...app.definition.awsServices?.endpoints, ...options.awsEndpoints },
  };
  return {
    app,
    // The functions' own variables win, as for every variable the gateway sets.
    definition: {
      ...app.definition,
      environment: { ...services.environment, ...app.definition.environment },
      awsServices,
    },
    banner: services.banner,
    notices: [...app.notices, ...services.notes],
    close: () => services.close(),
  };
}

function withEndpoints(definition: GatewayDefinition, endpoints: Record<string, string>): GatewayDefinition {
  return {
    ...definition,
    awsServices: { ...definition.awsServices, endpoints: { ...definition.awsServices?.endpoints, ...endpoints } },
  };
}
