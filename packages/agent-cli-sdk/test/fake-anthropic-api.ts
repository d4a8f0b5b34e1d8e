/**
 * A local stand-in for the Anthropic Messages API, enough for the real Claude Code CLI to run offline: it answers
 * `HEAD /` and streams SSE replies to `POST /v1/messages`. The reply is chosen by a keyword in the last user text
 * (`SCN_TEXT`, `SCN_TOOL`, `SCN_RESUME`); after a `tool_result` it sends a closing text.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface ContentBlock {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface MessagesRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content: string | ContentBlock[] }[];
}

type ReplyBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface FakeAnthropicApi {
  baseUrl: string;
  /** Every POST body received, in order. */
  requests: MessagesRequest[];
  close(): Promise<void>;
}

function blocksOf(content: string | ContentBlock[]): ContentBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/** The CLI also sends `role: "system"` entries, so the turn to answer is the last `user` one. */
function lastUserBlocks(body: MessagesRequest): ContentBlock[] {
  const last = body.messages.findLast((message) => message.role === 'user');
  return last ? blocksOf(last.content) : [];
}

function reply(body: MessagesRequest): ReplyBlock[] {
  const blocks = lastUserBlocks(body);
  if (blocks.some((block) => block.type === 'tool_result')) {
    return [{ type: 'text', text: 'Done: made-by-bash.txt is created.' }];
  }
  // User turns open with `<system-reminder>` blocks; the prompt is the last text block.
  const prompt = blocks.findLast((block) => block.type === 'text')?.text ?? '';
  if (prompt.includes('SCN_TOOL')) {
    return [
      { type: 'text', text: 'I will create the file.' },
      { type: 'tool_use', id: 'toolu_fake01', name: 'Bash', input: { command: 'touch made-by-bash.txt' } },
    ];
  }
  if (prompt.includes('SCN_RESUME')) {
    return [{ type: 'text', text: `Resumed reply: I can see ${body.messages.length} messages.` }];
  }
  return [{ type: 'text', text: 'Hello from the fake Anthropic API.' }];
}

let messageCounter = 0;

function sse(res: ServerResponse, type: string, data: object): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

function streamReply(res: ServerResponse, model: string, blocks: ReplyBlock[]): void {
  const usage = { input_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_fake${messageCounter}` });
  messageCounter += 1;
  const id = `msg_fake${String(messageCounter).padStart(4, '0')}`;
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
  };
  sse(res, 'message_start', { message: { ...message, usage: { ...usage, output_tokens: 1 } } });
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      sse(res, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
      sse(res, 'content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      sse(res, 'content_block_start', { index, content_block: { ...block, input: {} } });
      const partial_json = JSON.stringify(block.input);
      sse(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    }
    sse(res, 'content_block_stop', { index });
  });
  const stopReason = blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
  sse(res, 'message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 17 } });
  sse(res, 'message_stop', {});
  res.end();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeAnthropicApi(): Promise<FakeAnthropicApi> {
  const requests: MessagesRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'POST' && req.url?.startsWith('/v1/messages')) {
        const body = JSON.parse(await readBody(req)) as MessagesRequest;
        requests.push(body);
        streamReply(res, body.model, reply(body));
        return;
      }
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
