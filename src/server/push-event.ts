/**
 * What a delivery says, per forge: is it a push, to which ref, with which delivery id. Only the ref is used, and
 * only to decide whether to ask for a fetch; nothing in a webhook body is trusted as content.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookSource } from '../config/index.js';
import { isPullRequestEvent } from './pull-request.js';
import { jsonTooDeep, MAX_JSON_DEPTH } from './hardening.js';

export interface Delivery {
  /** 'push' asks for a fetch; 'pull_request' for a plan preview (pull-request.ts); 'ping' is answered; anything else is ignored. */
  event: 'push' | 'ping' | 'pull_request' | 'other';
  eventName: string;
  /** Full ref, e.g. `refs/heads/main`; undefined when the payload does not say (generic hooks). */
  ref?: string;
  deliveryId?: string;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Parses a JSON body, or GitHub's form encoding (`payload=<json>`). Throws on malformed input. */
export function parsePayload(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (body.length === 0) return {};
  let text = body.toString('utf8');
  if (contentType?.startsWith('application/x-www-form-urlencoded')) text = new URLSearchParams(text).get('payload') ?? '{}';
  if (jsonTooDeep(text)) throw new Error(`payload nests deeper than ${MAX_JSON_DEPTH} levels`);
  const data: unknown = JSON.parse(text);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error('payload must be a json object');
  return data as Record<string, unknown>;
}

function refOf(payload: Record<string, unknown>): string | undefined {
  return typeof payload.ref === 'string' ? payload.ref : undefined;
}

/** Reads the forge's event, ref and delivery id headers as each forge documents them. */
export function readDelivery(source: WebhookSource, headers: IncomingHttpHeaders, payload: Record<string, unknown>): Delivery {
  const ref = refOf(payload);
  const withRef = (d: Omit<Delivery, 'ref'>): Delivery => (ref ? { ...d, ref } : d);
  switch (source) {
    case 'github': {
      const name = header(headers, 'x-github-event') ?? '';
      const id = header(headers, 'x-github-delivery');
      const event = name === 'push' ? 'push' : name === 'ping' ? 'ping' : isPullRequestEvent(source, name) ? 'pull_request' : 'other';
      return withRef({ event, eventName: name, ...(id ? { deliveryId: id } : {}) });
    }
    case 'gitlab': {
      const name = header(headers, 'x-gitlab-event') ?? '';
      const id = header(headers, 'x-gitlab-event-uuid');
      const push = name === 'Push Hook' || name === 'Tag Push Hook';
      return withRef({ event: push ? 'push' : isPullRequestEvent(source, name) ? 'pull_request' : 'other', eventName: name, ...(id ? { deliveryId: id } : {}) });
    }
    case 'gitea': {
      const name = header(headers, 'x-gitea-event') ?? '';
      const id = header(headers, 'x-gitea-delivery');
      const event = name === 'push' ? 'push' : isPullRequestEvent(source, name) ? 'pull_request' : 'other';
      return withRef({ event, eventName: name, ...(id ? { deliveryId: id } : {}) });
    }
    case 'generic': {
      const id = header(headers, 'x-delivery-id');
      return withRef({ event: 'push', eventName: 'generic', ...(id ? { deliveryId: id } : {}) });
    }
  }
}

/** Which refs of a push concern us: the watched branch (or tag) yes, the status branch explicitly no. */
export function classifyRef(ref: string | undefined, branch: string, statusBranch: string): 'watched' | 'status' | 'other' {
  if (ref === undefined) return 'watched';
  if (ref === `refs/heads/${statusBranch}`) return 'status';
  if (ref === `refs/heads/${branch}` || ref === `refs/tags/${branch}` || ref === branch) return 'watched';
  return 'other';
}
