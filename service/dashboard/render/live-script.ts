// The dashboard's one script, served as a static asset (`assets/live.js`):
// it subscribes to the campaign page's server-sent events, puts each event's
// summary markup (rendered and escaped by the server) in place, and when the
// counts changed re-fetches the runs table, the failures and the chart as
// HTML fragments of the same page with its current query. Plain ES5-era DOM
// code kept as text: tsc compiles only .ts files into the image, and the
// pages work without it.
export const LIVE_SCRIPT = String.raw`(function () {
  'use strict';
  var root = document.getElementById('campaign');
  if (!root || !window.EventSource || !window.fetch) return;
  var html = document.documentElement;
  var counts = root.getAttribute('data-counts');
  var busy = false;
  var again = false;
  var source = new EventSource(root.getAttribute('data-events'));
  source.onopen = function () { html.setAttribute('data-live', 'open'); };
  source.onerror = function () { html.setAttribute('data-live', source.readyState === 2 ? 'closed' : 'reconnecting'); };
  source.addEventListener('summary', function (event) {
    var update = JSON.parse(event.data);
    var summary = document.getElementById('summary');
    if (summary) summary.innerHTML = update.html;
    if (update.counts !== counts) {
      counts = update.counts;
      root.setAttribute('data-counts', counts);
      refresh();
    }
  });
  function fragmentUrl(name) {
    var url = new URL(window.location.href);
    url.hash = '';
    url.searchParams.set('fragment', name);
    return url.toString();
  }
  function load(section) {
    return fetch(fragmentUrl(section.getAttribute('data-fragment')), { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (text) {
        var focused = document.activeElement;
        // Leave a section alone while the user is choosing in one of its controls.
        if (focused && section.contains(focused) && /^(SELECT|INPUT|BUTTON)$/.test(focused.tagName)) return;
        section.innerHTML = text;
      });
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    var sections = root.querySelectorAll('section[data-refresh]');
    Promise.all(Array.prototype.map.call(sections, load))
      .catch(function () { html.setAttribute('data-live', 'stale'); })
      .then(function () {
        busy = false;
        root.setAttribute('data-refreshed', String(Number(root.getAttribute('data-refreshed') || '0') + 1));
        if (again) { again = false; refresh(); }
      });
  }
})();
`;
