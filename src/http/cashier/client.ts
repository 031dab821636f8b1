/**
 * The cashier's browser script, served as one hashed, immutable asset so the page's CSP can
 * forbid inline script. Plain ES2017 that every phone browser runs; no framework. All the
 * localized text is already in the HTML (one hidden section per state), so the script only
 * switches sections, runs the countdown, and follows the status: SSE first, polling
 * /status when EventSource is missing or keeps failing. A page rendered while the payment was
 * held for review has no QR code or link to show: when it is approved the script reloads
 * once, and the server renders the payable page.
 */
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var root = document.getElementById('cashier');
  if (!root) return;
  var OPEN = ['requires_review', 'requires_action', 'processing'];
  var status = root.getAttribute('data-status');
  var reviewing = status === 'requires_review';
  var expiresAt = Number(root.getAttribute('data-expires-at'));
  // The server's clock decides expiry; correct for a phone whose clock is off.
  var skew = Number(root.getAttribute('data-now')) - Date.now();
  var base = location.pathname.replace(/\/+$/, '');
  var live = document.getElementById('live');
  // The open section's countdown and the review section's: only one is visible at a time.
  var remaining = document.querySelectorAll('#remaining, time.remaining');
  var processing = document.getElementById('processing');
  var declined = document.getElementById('declined');
  var es = null, pollTimer = null, tick = null, settled = false, redirecting = false, reloading = false;

  function isOpen(s) { return OPEN.indexOf(s) >= 0; }

  function render(s, wasDeclined) {
    var want = s === 'requires_review' ? 'review' : isOpen(s) ? 'open' : s;
    var sections = document.querySelectorAll('[data-state]');
    var shown = null;
    for (var i = 0; i < sections.length; i++) {
      var match = sections[i].getAttribute('data-state') === want;
      sections[i].hidden = !match;
      if (match) shown = sections[i];
    }
    // A declined try leaves the payment open: say so instead of "confirm in your app".
    if (declined) declined.hidden = !(wasDeclined && isOpen(s));
    if (processing) processing.hidden = s !== 'processing' || !!wasDeclined;
    var heading = shown && shown.querySelector('h2');
    if (live) live.textContent = heading ? heading.textContent : (wasDeclined && declined ? declined.textContent : (s === 'processing' && processing ? processing.textContent : ''));
    root.setAttribute('data-status', s);
  }

  function goTo(url) {
    if (redirecting || !/^https?:\/\//i.test(url || '')) return;
    redirecting = true;
    var link = document.getElementById('continue');
    if (link) { link.href = url; link.hidden = false; }
    var note = document.getElementById('returning');
    if (note) note.hidden = false;
    // Long enough to read the confirmation, short enough not to feel stuck.
    setTimeout(function () { location.assign(url); }, 1500);
  }

  function apply(msg) {
    if (!msg || typeof msg.status !== 'string' || settled || reloading) return;
    // Approved while this page showed the review: its QR code / link is rendered by the
    // server, so fetch the page again, once (the flag stops a second message doing it again).
    if (reviewing && isOpen(msg.status) && msg.status !== 'requires_review') {
      reloading = true;
      stop();
      location.reload();
      return;
    }
    status = msg.status;
    render(status, msg.declined === true);
    if (!isOpen(status)) {
      settled = true;
      stop();
      if (status === 'succeeded') goTo(msg.return_url);
    }
  }

  function stop() {
    if (es) { es.close(); es = null; }
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (tick) { clearInterval(tick); tick = null; }
  }

  function poll() {
    if (settled) return;
    var xhr = new XMLHttpRequest();
    xhr.open('GET', base + '/status');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.onload = function () {
      try { if (xhr.status === 200) apply(JSON.parse(xhr.responseText)); } catch (e) { /* keep polling */ }
      schedule();
    };
    xhr.onerror = schedule;
    xhr.send();
  }

  function schedule() {
    if (settled) return;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, 2500);
  }

  function listen() {
    if (!window.EventSource) { schedule(); return; }
    es = new EventSource(base + '/events');
    es.onmessage = function (ev) {
      if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
      try { apply(JSON.parse(ev.data)); } catch (e) { /* ignore a malformed frame */ }
    };
    // EventSource reconnects by itself; poll meanwhile, and for good if the stream is refused.
    es.onerror = function () { if (!settled && !pollTimer) schedule(); };
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function countdown() {
    var left = Math.max(0, Math.round((expiresAt - (Date.now() + skew)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    for (var i = 0; i < remaining.length; i++) {
      remaining[i].textContent = (h ? h + ':' + pad(m) : m) + ':' + pad(s);
      remaining[i].setAttribute('datetime', 'PT' + left + 'S');
    }
    // Show the expiry at once; the stream stays open so a last-second payment still wins.
    if (left === 0 && isOpen(status)) render('expired');
  }

  if (isOpen(status)) {
    countdown();
    tick = setInterval(countdown, 1000);
    listen();
  } else if (status === 'succeeded') {
    var link = document.getElementById('continue');
    if (link && link.getAttribute('href')) goTo(link.getAttribute('href'));
  }
})();
`;
