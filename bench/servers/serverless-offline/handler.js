// Lambda handlers for the serverless-offline peer. Connection ids go to a file
// (the stand-in for an app's connections table) that the benchmark reads.
const { appendFileSync } = require('node:fs');

exports.connect = async (event) => {
  appendFileSync(process.env.BENCH_IDS_FILE, `${event.requestContext.connectionId}\n`);
  return { statusCode: 200 };
};

exports.disconnect = async () => ({ statusCode: 200 });

exports.subscribe = async () => ({ statusCode: 200, body: 'subscribed' });
