// The frame of every page (head, navigation, the stylesheet inline so the
// first paint waits for no second request) and the error page. The live
// script is the one external asset, loaded with `defer` so it never delays
// the paint; without it every page still works.
import { assetUrl, buildsUrl, campaignsUrl } from './links.ts';
import { html, raw, type Markup, type Part } from './html.ts';

/**
 * The stylesheet. Colours keep at least 4.5:1 contrast on their backgrounds
 * (WCAG AA); focus is always visible. The handler sends its hash in the
 * Content-Security-Policy, so no other inline style or script can run.
 */
export const STYLESHEET = `
:root{color:#1a1a1a;background:#fff;font:15px/1.45 system-ui,sans-serif}
body{margin:0 auto;max-width:78rem;padding:0 1rem 3rem}
a{color:#0645ad}a:visited{color:#5a2d91}
:focus-visible{outline:3px solid #1a4fd6;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.25rem .5rem}
header nav{display:flex;gap:1.5rem;padding:.75rem 0;border-bottom:1px solid #767676}
h1{font-size:1.5rem;margin:1rem 0 .5rem}h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d0d0d0;vertical-align:top}
th[scope=col]{background:#f0f0f0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.status-failed,.failed{color:#a4001d;font-weight:600}.status-succeeded{color:#1b5e20}
.status-running{color:#0b4f8a}.status-pending{color:#555}
progress{width:10rem;height:1rem;vertical-align:middle}
.error-line{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-word}
pre{background:#f5f5f5;border:1px solid #d0d0d0;padding:.5rem;overflow:auto;max-height:30rem;font-size:.85em}
form{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;margin:.5rem 0}
label{display:flex;flex-direction:column;font-size:.9em}
select,button,input{font:inherit;padding:.2rem .4rem}
button{background:#0645ad;color:#fff;border:1px solid #0645ad;border-radius:3px;cursor:pointer}
nav.pages{display:flex;gap:1rem;margin:.5rem 0}nav.pages span{color:#555}
figure{margin:.5rem 0}figcaption{font-size:.9em;color:#444}
svg{max-width:100%;height:auto;background:#fff}
svg text{font:11px system-ui,sans-serif;fill:#333}
.muted{color:#555}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.facts dt{font-weight:600}
`;

/** The tab's icon: a progress bar. Served as an asset so browsers don't ask the API server for /favicon.ico. */
export const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0b4f8a"/><rect x="3" y="7" width="7" height="3" fill="#fff"/></svg>';

export interface PageOptions {
  base: string;
  title: string;
  body: Part;
  /** Load the live-update script (campaign pages). */
  live?: boolean;
}

/** A whole page: doctype, language, title, navigation, main content. */
export function page(options: PageOptions): Markup {
  const { base, title, body, live } = options;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · inet-swarm</title><link rel="icon" href="${assetUrl(base, 'icon.svg')}"><style>${raw(STYLESHEET)}</style>${live ? html`<script src="${assetUrl(base, 'live.js')}" defer></script>` : ''}</head>
<body><a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="Dashboard"><a href="${campaignsUrl(base)}">Campaigns</a><a href="${buildsUrl(base)}">Builds</a></nav></header>
<main id="main">${body}</main></body></html>
`;
}

const REASONS: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'Internal error',
  503: 'Unavailable',
};

export function statusText(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server error' : 'Request error');
}

/** The page of an error with its HTTP status: what went wrong in the caller's words, and a way back. */
export function errorPage(base: string, status: number, message: string): Markup {
  const title = `${status} ${statusText(status)}`;
  return page({
    base,
    title,
    body: html`<h1>${title}</h1><p>${message}</p><p><a href="${campaignsUrl(base)}">Back to the campaigns</a></p>`,
  });
}
