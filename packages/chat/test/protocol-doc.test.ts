/**
 * docs/protocol.md against the code: every request example validates against its
 * action's model, every action, server message type and error code is documented,
 * and the models reject malformed frames.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Ajv04 from 'ajv-draft-04';
import { httpRequestModels, requestModels } from '../src/api/models.ts';
import { ChatAction, type ServerMessageType } from '../src/api/protocol.ts';
import { ChatErrorCode } from '../src/domain/errors.ts';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map(
  (match) => JSON.parse(match[1]!) as Record<string, unknown>,
);

const ajv = new Ajv04.default({ allErrors: true });
const validators = Object.fromEntries(
  Object.entries(requestModels).map(([action, schema]) => [action, ajv.compile(schema)]),
);
const accepts = (frame: Record<string, unknown>) => validators[frame.action as string]!(frame);

const serverTypes: Record<ServerMessageType, true> = {
  welcome: true,
  rooms: true,
  roomJoined: true,
  roomLeft: true,
  roomRenamed: true,
  roomNameUnchanged: true,
  members: true,
  banned: true,
  unbanned: true,
  bans: true,
  ack: true,
  history: true,
  catchUp: true,
  read: true,
  notifications: true,
  online: true,
  searchResults: true,
  users: true,
  pong: true,
  resync: true,
  presence: true,
  typing: true,
  error: true,
  message: true,
  messageEdited: true,
  messageDeleted: true,
  memberJoined: true,
  memberLeft: true,
  messageReacted: true,
  reactionUnchanged: true,
  topicChanged: true,
  topicUnchanged: true,
  pins: true,
  pinUnchanged: true,
  messagePinned: true,
  messageUnpinned: true,
  replyAck: true,
  thread: true,
  threadRead: true,
  threads: true,
  threadUpdated: true,
  visibilityChanged: true,
  visibilityUnchanged: true,
  memberInvited: true,
  inviteCreated: true,
  invites: true,
  inviteRevoked: true,
  memberRoleChanged: true,
  roleUnchanged: true,
  readOnlyChanged: true,
  readOnlyUnchanged: true,
  removedFromRoom: true,
  auditLog: true,
  userDeactivated: true,
};

describe('docs/protocol.md', () => {
  it('documents every action with an example its model accepts', () => {
    const requests = examples.filter((example) => 'action' in example && !('type' in example));
    for (const action of ChatAction) {
      assert.match(doc, new RegExp(`^### ${action}$`, 'm'), `no section for ${action}`);
      assert.ok(
        requests.some((request) => request.action === action),
        `no example for ${action}`,
      );
    }
    for (const request of requests) {
      assert.ok(
        accepts(request),
        `${JSON.stringify(request)}: ${ajv.errorsText(validators[request.action as string]?.errors)}`,
      );
    }
  });

  it('shows every server message type', () => {
    const shown = new Set(examples.map((example) => example.type));
    for (const type of Object.keys(serverTypes)) assert.ok(shown.has(type), `no example of ${type}`);
  });

  it('lists every error code with its HTTP status', () => {
    for (const [code, { status }] of Object.entries(ChatErrorCode)) {
      assert.match(
        doc,
        new RegExp(`^\\| \`${code}\` +\\| ${status} +\\|`, 'm'),
        `${code} missing or with another status`,
      );
    }
  });
});

describe('request models', () => {
  it('are draft-4 schemas that compile, one per action', () => {
    assert.deepEqual(Object.keys(requestModels).sort(), [...ChatAction].sort());
    for (const schema of [...Object.values(requestModels), ...Object.values(httpRequestModels)]) {
      assert.equal(schema.$schema, 'http://json-schema.org/draft-04/schema#');
      ajv.compile(schema);
    }
  });

  it('reject malformed frames', () => {
    const bad: Array<Record<string, unknown>> = [
      { action: 'sendMessage', roomId: 'r', text: 'hi' },
      { action: 'sendMessage', roomId: 'r', text: 5, clientMessageId: 'c' },
      { action: 'sendMessage', roomId: 'r', text: 'hi', clientMessageId: 'c', extra: true },
      { action: 'sendMessage', roomId: 'r', text: 'hi', clientMessageId: 'c'.repeat(65) },
      { action: 'history', roomId: 'r', limit: 101 },
      { action: 'history', roomId: 'r', before: 1.5 },
      { action: 'catchUp', rooms: [{ roomId: 'r' }] },
      { action: 'catchUp', rooms: {} },
      { action: 'openDirect' },
      { action: 'openDirect', userId: 'u', username: 'n' },
      { action: 'markRead', roomId: 'r', seq: -1 },
      { action: 'search', query: '' },
      { action: 'ping', requestId: '' },
    ];
    for (const frame of bad) assert.equal(accepts(frame), false, JSON.stringify(frame));
  });

  it('leave text length to the service, so MESSAGE_TOO_LONG is reachable', () => {
    assert.ok(accepts({ action: 'sendMessage', roomId: 'r', text: 'x'.repeat(4001), clientMessageId: 'c' }));
  });
});
