/**
 * A real browser for the dashboard tests: Debian's Chromium driven by playwright-core (no browser download), plus
 * the checks a page must pass whatever it shows: the layout faults that can be asserted (horizontal scroll, content
 * under the sticky header), WCAG contrast of the status badges, and axe-core's accessibility rules.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.DRIFTLESS_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** WCAG 2.x contrast ratio of two `rgb(...)` / `rgba(...)` colours (alpha ignored: badges are opaque). */
export function contrastRatio(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Text and background colour of every element matching `selector`, with its text. */
export function coloursOf(page: Page, selector: string): Promise<{ text: string; fg: string; bg: string }[]> {
  return page.$$eval(selector, (els) =>
    els.map((el) => {
      const s = getComputedStyle(el);
      return { text: el.textContent ?? '', fg: s.color, bg: s.backgroundColor };
    }),
  );
}

/** Layout faults a page can be checked for: wider than the viewport, or anything in <main> under the header. */
export async function layoutFaults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const faults: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) faults.push(`horizontal scroll: ${doc.scrollWidth} > ${doc.clientWidth}`);
    window.scrollTo(0, 0);
    const header = document.querySelector('header')!.getBoundingClientRect();
    for (const el of Array.from(document.querySelectorAll('header *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > header.right + 0.5 || r.bottom > header.bottom + 0.5)) faults.push(`header item outside the header: ${el.textContent}`);
    }
    for (const el of Array.from(document.querySelectorAll('main *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && r.top < header.bottom - 0.5) faults.push(`under the header: <${el.tagName.toLowerCase()}> ${el.textContent?.slice(0, 40)}`);
      if (r.width > 0 && r.right > doc.clientWidth + 0.5 && getComputedStyle(el).position !== 'absolute') {
        // Inside a horizontally scrolling wrapper is fine (wide tables scroll on their own).
        if (!el.closest('.table-wrap, pre')) faults.push(`past the right edge: <${el.tagName.toLowerCase()}> ${el.textContent?.slice(0, 40)}`);
      }
    }
    // Scrolled, the sticky header stays on top: what is under its middle is the header, not the content.
    window.scrollTo(0, Math.max(0, doc.scrollHeight / 2));
    const h = document.querySelector('header')!.getBoundingClientRect();
    for (const x of [h.left + 8, (h.left + h.right) / 2, h.right - 8]) {
      const hit = document.elementFromPoint(x, (h.top + h.bottom) / 2);
      if (hit && !hit.closest('header')) faults.push(`content over the header at x=${Math.round(x)}: <${hit.tagName.toLowerCase()}>`);
    }
    window.scrollTo(0, 0);
    return faults;
  });
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's WCAG A/AA rules on the page. Evaluated through the DevTools protocol, so the page's CSP (no inline or
 * injected scripts) stays as it is served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}
