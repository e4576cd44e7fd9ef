/**
 * `POST /hooks/:source`: verify, then ask the loop for a fetch and answer 202 at once. Order matters: unknown
 * receiver (404), the client address's budget of failed verifications (429, before any HMAC work), signature (401,
 * spending that budget), the receiver's budget of verified deliveries (429), payload (400), event and ref filters and
 * the replay guard (200 with the reason it was ignored). The two budgets are apart so that requests nobody signed
 * can never use up the forge's: forges do not retry a 429. Every 429 carries `Retry-After`. Replay ids are recorded only after the signature checked
 * out, so forged requests cannot poison the guard. A signed delivery without a delivery id (scripts, CI jobs) is
 * guarded by its signature instead: the HMAC of an identical body is identical, so a captured request replayed
 * within a short window is ignored. The body is never used beyond the ref, and for a pull/merge request delivery
 * beyond its number, head commit id and base branch (pull-request.ts), which queue a plan preview (src/preview/)
 * after the same checks, never a reconcile.
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { WEBHOOK_SOURCES, type WebhookSource } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import type { StateStore } from '../store/index.js';
import { classifyRef, parsePayload, readDelivery } from './push-event.js';
import { readPullRequest, type PullRequestEvent } from './pull-request.js';
import { createKeyedBuckets, createReplayGuard, createTokenBucket, retryAfterSeconds, type ReplayGuard, type TokenBucket } from './rate-limit.js';
import { createSharedReplayGuard } from './shared-replay.js';
import { verifyGeneric, verifyGitea, verifyGithub, verifyGitlab } from './signatures.js';

export interface WebhookDeps {
  /** Resolved secret per enabled receiver. */
  secrets: Partial<Record<WebhookSource, string>>;
  bodyLimit: number;
  burst: number;
  perSecond: number;
  replayWindowMs: number;
  /** Directory where replay ids persist across restarts (the daemon's state dir); in memory only when absent. */
  replayDir?: string;
  /**
   * Shared replay memory of replicas (HA: the unfenced etcd store); replaces `replayDir` when present, so a
   * delivery replayed to another replica is refused there too (unreachable: this replica's memory decides).
   */
  replayStore?: StateStore;
  branch: string;
  statusBranch: () => string;
  /** Asks the loop for a poll + fetch; must return immediately. */
  requestFetch: (reason: string) => void;
  metrics: Metrics;
  logger: PinoLogger;
  now?: () => number;
  /** Takes verified pull request events for plan previews (src/preview/); without it they are ignored. */
  previews?: PreviewIntake;
}

/** What the preview service says of a pull request event it was handed; must return immediately. */
export interface PreviewIntake {
  take(event: PullRequestEvent): 'accepted' | 'closed' | 'ignored_fork' | 'ignored_repository';
}

type Result =
  | 'accepted'
  | 'ignored_event'
  | 'ignored_branch'
  | 'ignored_status_branch'
  | 'replayed'
  | 'unauthorized'
  | 'rate_limited'
  | 'too_large'
  | 'bad_request'
  | 'not_configured'
  | 'preview_accepted'
  | 'preview_closed'
  | 'ignored_fork'
  | 'ignored_repository';

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How long a signature is remembered for deliveries without an id. Short on purpose: a script that posts the same
 * body for two real pushes minutes apart must still wake us (the poll would catch it anyway, only later).
 */
export const SIGNATURE_REPLAY_WINDOW_MS = 5 * 60_000;

/** The body signature a receiver verified (HMAC receivers only; GitLab's token is the same for every delivery). */
function signatureOf(source: WebhookSource, req: FastifyRequest): string | undefined {
  const name = source === 'github' ? 'x-hub-signature-256' : source === 'gitea' ? 'x-gitea-signature' : source === 'generic' ? 'x-signature' : undefined;
  const value = name ? header(req, name) : undefined;
  return value?.toLowerCase();
}

function verify(source: WebhookSource, secret: string, req: FastifyRequest, body: Buffer): boolean {
  switch (source) {
    case 'github':
      return verifyGithub(secret, body, header(req, 'x-hub-signature-256'));
    case 'gitlab':
      return verifyGitlab(secret, header(req, 'x-gitlab-token'));
    case 'gitea':
      return verifyGitea(secret, body, header(req, 'x-gitea-signature'));
    case 'generic':
      return verifyGeneric(secret, body, header(req, 'x-signature'));
  }
}

/** Registers the four receivers on `app` (whose content parsers keep bodies as raw Buffers). */
export function registerWebhooks(app: FastifyInstance, deps: WebhookDeps): void {
  const buckets = new Map<WebhookSource, TokenBucket>(
    WEBHOOK_SOURCES.map((s) => [s, createTokenBucket({ burst: deps.burst, perSecond: deps.perSecond, ...(deps.now ? { now: deps.now } : {}) })]),
  );
  // Failed verifications, per client address and across receivers: a prober is throttled, the forge is not.
  const failures = createKeyedBuckets({ burst: deps.burst, perSecond: deps.perSecond, ...(deps.now ? { now: deps.now } : {}) });
  const persist = (name: string) => (deps.replayDir ? { file: join(deps.replayDir, name) } : {});
  const clock = deps.now ? { now: deps.now } : {};
  const sharedDown = (err: unknown) => deps.logger.warn({ err }, 'shared replay memory unreachable; this replica\'s memory decided');
  const signatureWindowMs = Math.min(deps.replayWindowMs, SIGNATURE_REPLAY_WINDOW_MS);
  const replay: ReplayGuard = deps.replayStore
    ? createSharedReplayGuard({ store: deps.replayStore, key: 'replay-ids', windowMs: deps.replayWindowMs, onError: sharedDown, ...clock })
    : createReplayGuard({ windowMs: deps.replayWindowMs, ...clock, ...persist('replay-ids.json') });
  const replayedSignature: ReplayGuard = deps.replayStore
    ? createSharedReplayGuard({ store: deps.replayStore, key: 'replay-signatures', windowMs: signatureWindowMs, onError: sharedDown, ...clock })
    : createReplayGuard({ windowMs: signatureWindowMs, ...clock, ...persist('replay-signatures.json') });
  /** False when this verified delivery was seen before: by its id, or by its signature when it carries no id. */
  const firstSeen = async (source: WebhookSource, req: FastifyRequest, deliveryId: string | undefined): Promise<boolean> => {
    if (deliveryId) return replay.firstSeen(`${source}:${deliveryId}`);
    const signature = signatureOf(source, req);
    return signature ? replayedSignature.firstSeen(`${source}:${signature}`) : true;
  };
  const answer = (reply: FastifyReply, source: WebhookSource, status: number, result: Result, extra: object = {}) => {
    deps.metrics.inc('driftless_webhook_requests_total', { source, result });
    deps.logger.info({ webhook: source, result, status }, 'webhook');
    return reply.code(status).send({ result, ...extra });
  };

  const limited = (reply: FastifyReply, source: WebhookSource, bucket: TokenBucket) => {
    reply.header('retry-after', retryAfterSeconds(bucket));
    return answer(reply, source, 429, 'rate_limited');
  };

  for (const source of WEBHOOK_SOURCES) {
    app.post(
      `/hooks/${source}`,
      {
        bodyLimit: deps.bodyLimit,
        errorHandler: (err, _req, reply) => {
          const tooLarge = (err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
          return answer(reply, source, tooLarge ? 413 : 400, tooLarge ? 'too_large' : 'bad_request');
        },
      },
      async (req, reply) => {
        const secret = deps.secrets[source];
        if (!secret) return answer(reply, source, 404, 'not_configured');
        const failed = failures.get(req.ip);
        if (!failed.available()) return limited(reply, source, failed);
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (!verify(source, secret, req, body)) {
          failed.take();
          return answer(reply, source, 401, 'unauthorized');
        }
        const verified = buckets.get(source)!;
        if (!verified.take()) return limited(reply, source, verified);
        let payload: Record<string, unknown>;
        try {
          payload = parsePayload(body, header(req, 'content-type'));
        } catch {
          return answer(reply, source, 400, 'bad_request');
        }
        const delivery = readDelivery(source, req.headers, payload);
        if (delivery.event === 'ping') return answer(reply, source, 200, 'ignored_event', { pong: true });
        if (delivery.event === 'pull_request' && deps.previews) {
          const pr = readPullRequest(source, payload);
          if (typeof pr === 'string') return answer(reply, source, 400, 'bad_request', { error: pr });
          if (pr.action === 'other') return answer(reply, source, 200, 'ignored_event', { event: delivery.eventName, action: pr.actionName });
          if (!(await firstSeen(source, req, delivery.deliveryId))) return answer(reply, source, 200, 'replayed');
          if (pr.baseBranch !== deps.branch) return answer(reply, source, 200, 'ignored_branch', { ref: pr.baseBranch });
          const taken = deps.previews.take(pr);
          if (taken === 'accepted') return answer(reply, source, 202, 'preview_accepted', { number: pr.number, commit: pr.headSha });
          return answer(reply, source, 200, taken === 'closed' ? 'preview_closed' : taken, { number: pr.number });
        }
        if (delivery.event !== 'push') return answer(reply, source, 200, 'ignored_event', { event: delivery.eventName });
        if (!(await firstSeen(source, req, delivery.deliveryId))) return answer(reply, source, 200, 'replayed');
        const which = classifyRef(delivery.ref, deps.branch, deps.statusBranch());
        if (which === 'status') return answer(reply, source, 200, 'ignored_status_branch');
        if (which === 'other') return answer(reply, source, 200, 'ignored_branch', { ref: delivery.ref });
        deps.requestFetch(`webhook:${source}`);
        return answer(reply, source, 202, 'accepted');
      },
    );
  }
}
