import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { metricSamples as samples } from '../support/gateway-harness.ts';

describe('Class: GatewayMetrics', () => {
  it('renders the Prometheus text exposition with every series at zero before traffic', async () => {
    const metrics = new GatewayMetrics({ routes: ['$connect', 'sendmessage', '$default'] });
    const { contentType, body } = await metrics.render();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    assert.ok(body.includes('# TYPE switchboard_integration_duration_seconds histogram'));
    const values = await samples(metrics);
    assert.equal(values.get('switchboard_connections'), 0);
    assert.equal(values.get('switchboard_connections_total'), 0);
    assert.equal(values.get('switchboard_messages_in_total{route="sendmessage"}'), 0);
    assert.equal(values.get('switchboard_messages_in_total{route="$default"}'), 0);
    assert.equal(values.get('switchboard_messages_out_total{source="error_frame"}'), 0);
    assert.equal(values.get('switchboard_throttled_total{scope="connection_rate"}'), 0);
    assert.equal(values.get('switchboard_integration_errors_total{route="sendmessage",kind="timeout"}'), 0);
    assert.equal(values.get('switchboard_integration_duration_seconds_count{route="sendmessage"}'), 0);
  });

  it('counts connections opened, open and rejected', async () => {
    const metrics = new GatewayMetrics();
    metrics.connectionOpened();
    metrics.connectionOpened();
    metrics.connectionClosed();
    metrics.handshakeRejected(403);
    metrics.handshakeRejected(403);
    metrics.handshakeRejected(429);
    const values = await samples(metrics);
    assert.equal(values.get('switchboard_connections'), 1);
    assert.equal(values.get('switchboard_connections_total'), 2);
    assert.equal(values.get('switchboard_handshakes_rejected_total{status="403"}'), 2);
    assert.equal(values.get('switchboard_handshakes_rejected_total{status="429"}'), 1);
  });

  it('counts messages in by route and out by source, a fan-out by its recipients', async () => {
    const metrics = new GatewayMetrics({ routes: ['sendmessage'] });
    metrics.messageIn('sendmessage');
    metrics.messageIn('sendmessage');
    metrics.messageIn('$default');
    metrics.messageOut('route_response');
    metrics.messageOut('channel', 1000);
    metrics.messageOut('management');
    const values = await samples(metrics);
    assert.equal(values.get('switchboard_messages_in_total{route="sendmessage"}'), 2);
    assert.equal(values.get('switchboard_messages_in_total{route="$default"}'), 1);
    assert.equal(values.get('switchboard_messages_out_total{source="route_response"}'), 1);
    assert.equal(values.get('switchboard_messages_out_total{source="channel"}'), 1000);
    assert.equal(values.get('switchboard_messages_out_total{source="management"}'), 1);
    assert.equal(values.get('switchboard_messages_out_total{source="error_frame"}'), 0);
  });

  it('observes integration latency and counts failures by kind', async () => {
    const metrics = new GatewayMetrics();
    metrics.integrationObserved('sendmessage', 0.004);
    metrics.integrationObserved('sendmessage', 2);
    metrics.integrationFailed('sendmessage', 'error');
    metrics.integrationFailed('sendmessage', 'timeout');
    metrics.integrationFailed('sendmessage', 'timeout');
    const values = await samples(metrics);
    assert.equal(values.get('switchboard_integration_duration_seconds_count{route="sendmessage"}'), 2);
    assert.equal(values.get('switchboard_integration_duration_seconds_sum{route="sendmessage"}'), 2.004);
    assert.equal(values.get('switchboard_integration_duration_seconds_bucket{le="0.005",route="sendmessage"}'), 1);
    assert.equal(values.get('switchboard_integration_duration_seconds_bucket{le="29",route="sendmessage"}'), 2);
    assert.equal(values.get('switchboard_integration_errors_total{route="sendmessage",kind="error"}'), 1);
    assert.equal(values.get('switchboard_integration_errors_total{route="sendmessage",kind="timeout"}'), 2);
  });

  it('counts throttling by scope and management requests by operation and status', async () => {
    const metrics = new GatewayMetrics();
    metrics.throttled('route');
    metrics.throttled('management');
    metrics.throttled('management');
    metrics.managementRequest('PostToConnection', 200);
    metrics.managementRequest('PostToConnection', 410);
    metrics.managementRequest('PostToConnection', 200);
    metrics.managementRequest('DeleteConnection', 204);
    const values = await samples(metrics);
    assert.equal(values.get('switchboard_throttled_total{scope="route"}'), 1);
    assert.equal(values.get('switchboard_throttled_total{scope="management"}'), 2);
    assert.equal(values.get('switchboard_management_requests_total{operation="PostToConnection",status="200"}'), 2);
    assert.equal(values.get('switchboard_management_requests_total{operation="PostToConnection",status="410"}'), 1);
    assert.equal(values.get('switchboard_management_requests_total{operation="DeleteConnection",status="204"}'), 1);
  });

  it('keeps the counts of two gateways in one process apart', async () => {
    const first = new GatewayMetrics();
    const second = new GatewayMetrics();
    first.connectionOpened();
    first.messageIn('$default');
    assert.equal((await samples(first)).get('switchboard_connections_total'), 1);
    assert.equal((await samples(second)).get('switchboard_connections_total'), 0);
    assert.equal((await samples(second)).get('switchboard_messages_in_total{route="$default"}'), undefined);
  });
});
