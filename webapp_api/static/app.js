/* Confessions mini app. Plain JS, no build step; an ES module, so it has its own scope and
   strict mode without a wrapper. Every node is built with createElement and textContent; the
   server's markup (text_html) goes through richText(), which rebuilds Telegram's small tag
   subset and shows anything else as text. */

var tg = window.Telegram && window.Telegram.WebApp;
var app = document.getElementById('app');
var toastEl = document.getElementById('toast');
var reducedMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)');
var HEX = /^#[0-9a-f]{6}$/i;
var EMOJI_FONTS = '"Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", emoji';

/* ---------- words ---------- */

/* Every word lives in the product's one catalogue per language (bot/locales/<lang>.toml,
   its [webapp] table), fetched before the first screen: only the reader's language comes
   down. These few are for when even that fetch fails. */
var WORDS = {
  opening: 'Opening…', err_title: 'Oh no', retry: 'Try again', back: 'All confessions',
  err_network: 'I can’t reach the server. Check your connection and try again.'
};
var user = (tg && tg.initDataUnsafe && tg.initDataUnsafe.user) || null;
var lang = 'en';
var numbers = null;
var plurals = null;

var loaded = {};

/** The words of `part` ("first": every launch screen; "more": settings and privacy), once. */
function loadWords(part) {
  var wanted = (user && user.language_code) || (!tg || !tg.initData ? navigator.language : '') || 'en';
  if (!loaded[part]) {
    loaded[part] = fetch('words?lang=' + encodeURIComponent(wanted) + (part === 'more' ? '&part=more' : ''), { credentials: 'omit' }).then(function (response) {
      if (!response.ok) throw new Error('words ' + response.status);
      return response.json();
    }).then(function (found) {
      WORDS = Object.assign({}, WORDS, found.words);
      lang = found.language;
      numbers = null;
      document.documentElement.lang = lang;
    });
    loaded[part].catch(function () { loaded[part] = null; });
  }
  return loaded[part];
}

function fill(text, vars) {
  if (!numbers) {
    numbers = new Intl.NumberFormat(lang);
    plurals = new Intl.PluralRules(lang);
  }
  return vars ? text.replace(/\{(\w+)\}/g, function (m, name) {
    var value = vars[name];
    return value == null ? m : typeof value === 'number' ? numbers.format(value) : String(value);
  }) : text;
}

function t(key, vars) { return fill(WORDS[key] || key, vars); }

/** A count in the reader's grammar: `key_one`, `key_few`… chosen by Intl.PluralRules. */
function tn(key, n) {
  fill('');
  return fill(WORDS[key + '_' + plurals.select(n)] || WORDS[key + '_other'] || key, { n: n });
}

/** A preset's name in the reader's language, or the server's (English) name if it is new. */
function named(kind, item) { return WORDS[kind + '_' + item.id] || item.name || item.label; }

/* ---------- DOM helpers ---------- */

function h(tag, props) {
  var el = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value == null || value === false && key.indexOf('aria-') !== 0) return;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key === 'style') {
        Object.keys(value).forEach(function (name) { el.style.setProperty(name, value[name]); });
      } else if (key.slice(0, 2) === 'on' && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (typeof value === 'boolean' && key.indexOf('aria-') !== 0) el[key] = value;
      else if (key === 'value') el.value = value;
      else el.setAttribute(key, String(value));
    });
  }
  for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
  return el;
}

function btn(cls, text, onclick, props) {
  return h('button', Object.assign({ type: 'button', class: cls, text: text, onclick: onclick }, props));
}

/** A screen's header: eyebrow, h1, subtitle (each but the h1 optional), then `extra`. */
function intro(cls, eyebrow, title, sub, extra) {
  return h('header', { class: cls },
    eyebrow ? h('p', { class: 'eyebrow', text: eyebrow }) : null,
    h('h1', { class: 'title', text: title }),
    sub ? h('p', { class: 'subtitle', text: sub }) : null,
    extra);
}

/** A row with a title, a line under it and its buttons (held items, blocked senders). */
function actionRow(cls, title, meta, buttons) {
  return h('li', { class: cls },
    h('span', { class: 'item-main' }, h('span', { class: 'item-title', text: title }), h('span', { class: 'item-meta', text: meta })),
    buttons);
}

function append(parent, child) {
  if (child == null || child === false) return;
  if (Array.isArray(child)) child.forEach(function (c) { append(parent, c); });
  else parent.append(child);
}

function showOnly(nodes, shown) {
  Object.keys(nodes).forEach(function (key) { nodes[key].hidden = key !== shown; });
}

function mount() {
  var nodes = Array.prototype.slice.call(arguments);
  app.replaceChildren.apply(app, nodes.filter(Boolean));
  window.scrollTo(0, 0);
}

function focusHeading() {
  var heading = app.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

var toastTimer = null;
function say(message, kind) {
  toastEl.textContent = '';
  toastEl.classList.toggle('is-error', kind === 'error');
  // a fresh node each time so screen readers announce a repeated message again
  window.requestAnimationFrame(function () {
    toastEl.textContent = message;
    toastEl.classList.add('is-shown');
  });
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () { toastEl.classList.remove('is-shown'); }, 3600);
}

function sayError(error) { say(friendly(error), 'error'); }

function motionOK() { return !(reducedMotion && reducedMotion.matches); }
function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

/* ---------- Telegram's rich text, safely ---------- */

var TAGS = {
  b: 'b', strong: 'b', i: 'i', em: 'i', u: 'u', ins: 'u', s: 's', strike: 's', del: 's',
  code: 'code', pre: 'pre', blockquote: 'blockquote', a: 'a', 'tg-spoiler': 'spoiler',
  span: 'spoiler', 'tg-emoji': 'plain'
};
var ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };

function decode(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, function (match, name) {
    var lower = name.toLowerCase();
    if (lower.charAt(0) === '#') {
      var code = lower.charAt(1) === 'x' ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
      try { return String.fromCodePoint(code); } catch (e) { return match; }
    }
    return Object.prototype.hasOwnProperty.call(ENTITIES, lower) ? ENTITIES[lower] : match;
  });
}

function attributes(source) {
  var found = {};
  var re = /([a-z][a-z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?/gi;
  var m;
  while ((m = re.exec(source))) found[m[1].toLowerCase()] = decode(m[2] != null ? m[2] : m[3] || '');
  return found;
}

function safeHref(href) {
  return /^(https?:\/\/|tg:\/\/|mailto:)/i.test(href.trim()) ? href.trim() : null;
}

function element(name, attrs) {
  var kind = TAGS[name];
  if (!kind) return null;
  if (name === 'span' && !/(^|\s)tg-spoiler(\s|$)/.test(attrs['class'] || '')) return null;
  if (kind === 'plain') return h('span');
  if (kind === 'spoiler') return spoiler();
  if (kind === 'a') {
    var href = safeHref(attrs.href || '');
    if (!href) return h('span');
    return h('a', { href: href, rel: 'noopener noreferrer nofollow', target: '_blank', onclick: openLink });
  }
  return h(kind);
}

function spoiler() {
  var el = h('span', { class: 'spoiler', role: 'button', tabindex: '0', 'aria-expanded': 'false' });
  function show() {
    el.classList.add('is-open');
    el.removeAttribute('role');
    el.removeAttribute('tabindex');
    el.removeAttribute('aria-expanded');
  }
  el.addEventListener('click', show);
  el.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(); }
  });
  return el;
}

function openLink(event) {
  var href = event.currentTarget.getAttribute('href');
  if (!tg || !href) return;
  event.preventDefault();
  if (/^https:\/\/t\.me\//i.test(href) || /^tg:/i.test(href)) tg.openTelegramLink(href);
  else tg.openLink(href);
}

/** Telegram's HTML subset as DOM nodes; every other tag stays visible as plain text. */
function richText(html) {
  var root = document.createDocumentFragment();
  var stack = [{ name: null, el: root }];
  var re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*>/g;
  var last = 0;
  var m;
  function top() { return stack[stack.length - 1].el; }
  function text(raw, decoded) { if (raw) top().append(decoded ? decode(raw) : raw); }
  html = String(html || '');
  while ((m = re.exec(html))) {
    text(html.slice(last, m.index), true);
    last = re.lastIndex;
    var name = m[2].toLowerCase();
    if (m[1]) {
      var depth = -1;
      for (var i = stack.length - 1; i > 0; i--) if (stack[i].name === name) { depth = i; break; }
      if (depth > 0) { stack.length = depth; continue; }
    } else {
      var el = element(name, attributes(m[3] || ''));
      if (el) { top().append(el); stack.push({ name: name, el: el }); continue; }
    }
    text(m[0], false);
  }
  text(html.slice(last), true);
  return root;
}

/* ---------- the API ---------- */

var API = new URL('../api/v1', document.baseURI).pathname.replace(/\/$/, '');

function ApiError(status, code, message) {
  this.status = status;
  this.code = code;
  this.message = message || code;
}

function api(method, path, body) {
  var headers = { Authorization: 'tma ' + tg.initData, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(API + path, {
    method: method,
    headers: headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit'
  }).then(function (response) {
    return response.json().catch(function () { return null; }).then(function (data) {
      if (response.ok) return data;
      var error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || 'http_' + response.status, error.message);
    });
  }, function () {
    throw new ApiError(0, 'network', t('err_network'));
  });
}

function confessionPath(id, tail) { return '/confessions/' + encodeURIComponent(id) + (tail || ''); }

function friendly(error) {
  if (!(error instanceof ApiError) && window.console) console.error(error);
  var code = (error && error.code) || '';
  var status = error && error.status;
  if (code === 'network') return t('err_network');
  if (code === 'init_data_expired') return t('err_expired');
  if (status === 401) return t('err_auth');
  if (status === 404) return t('err_not_found');
  if (code === 'wrong_state' || status === 409) {
    return error.message && error.message !== code ? error.message : t('err_wrong_state');
  }
  // the API's own words for bad input are specific ("That's 1200 characters…"), so show them
  if (status === 422 && error.message) return error.message;
  return t('err_generic');
}

function sameOrigin(url) {
  try { return new URL(url, location.href).origin === location.origin; } catch (e) { return false; }
}

/** Media links are short-lived signed URLs, loadable as they are; only http(s) and blobs. */
function mediaSource(url) {
  var absolute = url && new URL(url, location.href);
  return absolute && /^(https?|blob):$/.test(absolute.protocol) ? absolute.href : null;
}

var catalogPromise = null;
var FALLBACK = {
  themes: [{ id: 'classic', name: 'Classic', background: '#fff5f7', card: '#ffffff', text: '#2b1b1f', accent: '#e2506b' }],
  fonts: [{ id: 'serif', name: 'Serif', css: 'Georgia, serif' }],
  animations: [{ id: 'envelope', name: 'Envelope' }, { id: 'none', name: 'None' }],
  gradients: [], decorations: [], reactions: []
};
function catalog() {
  if (!catalogPromise) {
    catalogPromise = api('GET', '/themes').then(function (data) {
      Object.keys(FALLBACK).forEach(function (key) { if (!Array.isArray(data[key])) data[key] = FALLBACK[key]; });
      if (!data.themes.length) data.themes = FALLBACK.themes;
      return data;
    }, function (error) {
      catalogPromise = null;
      if (error.status === 401) throw error;
      return FALLBACK;
    });
  }
  return catalogPromise;
}

/* ---------- Telegram chrome ---------- */

function supports(version) { return !!(tg && tg.isVersionAtLeast && tg.isVersionAtLeast(version)); }

var haptic = {
  tap: function (style) { if (supports('6.1')) tg.HapticFeedback.impactOccurred(style || 'light'); },
  pick: function () { if (supports('6.1')) tg.HapticFeedback.selectionChanged(); },
  done: function (kind) { if (supports('6.1')) tg.HapticFeedback.notificationOccurred(kind); }
};

/** Telegram draws a main button in its real clients; where it does not (a plain browser given
   init data, an unknown platform), the page shows its own button instead. Never both. */
function hasMainButton() { return !!(tg && tg.MainButton) && tg.platform !== 'unknown'; }

/** Telegram's own dialog where the client has one, the browser's elsewhere. */
function confirmThen(message, yes, onYes) {
  if (supports('6.2') && tg.showPopup) {
    tg.showPopup({ message: message, buttons: [{ id: 'yes', type: 'destructive', text: yes }, { type: 'cancel' }] },
      function (id) { if (id === 'yes') onYes(); });
  } else if (window.confirm(message)) onYes();
}

var mainHandler = null;
function mainButton(text, handler) {
  if (!tg) return;
  var button = tg.MainButton;
  if (mainHandler) button.offClick(mainHandler);
  mainHandler = handler || null;
  if (!handler) { button.hideProgress(); button.hide(); return; }
  button.setParams({ text: text, is_visible: true, is_active: true });
  button.onClick(handler);
}

var backHandler = null;
function backButton(handler) {
  if (!supports('6.1')) return;
  if (backHandler) tg.BackButton.offClick(backHandler);
  backHandler = handler || null;
  if (handler) { tg.BackButton.onClick(handler); tg.BackButton.show(); } else tg.BackButton.hide();
}

function closingConfirmation(on) {
  if (!supports('6.2')) return;
  if (on) tg.enableClosingConfirmation(); else tg.disableClosingConfirmation();
}

/* WCAG contrast, for nudging Telegram's colours until small text on them reads well */
function rgb(hex) { var n = parseInt(hex.slice(1), 16); return [n >> 16 & 255, n >> 8 & 255, n & 255]; }
function luminance(hex) {
  var c = rgb(hex).map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
function contrast(a, b) {
  var x = luminance(a), y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}
function mix(a, b, weight) {
  var x = rgb(a), y = rgb(b);
  return '#' + x.map(function (v, i) {
    return ('0' + Math.round(v + (y[i] - v) * weight).toString(16)).slice(-2);
  }).join('');
}
/** `colour`, moved toward black or white just enough to reach `ratio` (4.5:1 unless told) on every background. */
function readable(colour, backgrounds, ratio) {
  var toward = luminance(backgrounds[0]) > 0.18 ? '#000000' : '#ffffff';
  for (var weight = 0; weight < 1; weight += 0.05) {
    var candidate = mix(colour, toward, weight);
    if (backgrounds.every(function (bg) { return contrast(candidate, bg) >= (ratio || 4.5); })) return candidate;
  }
  return toward;
}

function applyContrast() {
  var p = tg.themeParams || {};
  var surfaces = [p.secondary_bg_color, p.section_bg_color, p.bg_color].filter(function (c) { return HEX.test(c); });
  var root = document.documentElement.style;
  if (surfaces.length && HEX.test(p.hint_color)) root.setProperty('--muted', readable(p.hint_color, surfaces));
  if (surfaces.length && HEX.test(p.link_color)) root.setProperty('--link-text', readable(p.link_color, surfaces));
  if (HEX.test(p.button_color) && HEX.test(p.button_text_color)) {
    root.setProperty('--fill', readable(p.button_color, [p.button_text_color]));
  }
}

function applyScheme() {
  document.documentElement.dataset.scheme = tg.colorScheme === 'dark' ? 'dark' : 'light';
  applyContrast();
  if (supports('6.1')) {
    try {
      tg.setHeaderColor('secondary_bg_color');
      tg.setBackgroundColor('secondary_bg_color');
    } catch (e) { /* older clients take only some keys */ }
  }
}

/* ---------- styles: the sender's presets made visible ---------- */

function find(list, id) {
  for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
  return null;
}
function colour(value, fallback) { return HEX.test(value) ? value : fallback; }

/** CSS variables and background for a Style, using only known presets and #rrggbb colours. */
function resolve(style, cat) {
  style = style || {};
  var theme = find(cat.themes, style.theme) || cat.themes[0];
  var font = find(cat.fonts, style.font) || cat.fonts[0];
  var background = style.background || { kind: 'theme' };
  var stage = colour(theme.background, '#fff5f7');
  var image = null;
  if (background.kind === 'color') stage = colour(background.value, stage);
  if (background.kind === 'gradient') {
    var gradient = find(cat.gradients, background.value);
    if (gradient && window.CSS && CSS.supports('background-image', gradient.css)) stage = gradient.css;
  }
  if (background.kind === 'image') image = background.image_url || background.localUrl || null;
  var card = colour(theme.card, '#ffffff');
  return {
    vars: {
      '--stage-bg': stage,
      '--card-bg': card,
      '--card-text': colour(theme.text, '#2b1b1f'),
      // the sender's accent, nudged only as far as needed to show on the card (Ink on Midnight)
      '--accent': readable(colour(style.accent_color, colour(theme.accent, '#e2506b')), [card], 3),
      // emoji in the words and decorations stay in colour whatever the font
      '--card-font': (font ? font.css : 'Georgia, serif') + ', ' + EMOJI_FONTS
    },
    image: image,
    decoration: style.decoration || null,
    animation: style.animation || 'none'
  };
}

function paintStage(stage, look) {
  Object.keys(look.vars).forEach(function (name) { stage.style.setProperty(name, look.vars[name]); });
  var img = stage.querySelector(':scope > .stage-img');
  stage.classList.toggle('has-image', !!look.image);
  if (!look.image) { if (img) img.remove(); return; }
  if (!img) { img = h('img', { class: 'stage-img', alt: '', decoding: 'async' }); stage.prepend(img); }
  var src = mediaSource(look.image);
  if (src && img.src !== src) img.src = src;
}

function signLine(signature, hint, name, pseudonym) {
  if (signature === 'signed' && name) return t('sign_signed', { name: name });
  if (pseudonym) return t('sign_pseudonym', { name: pseudonym }) + (signature === 'hint' && hint ? ' · 🔎 ' + hint : '');
  if (signature === 'hint' && hint) return t('sign_hint', { hint: hint });
  return t('sign_anonymous');
}

function buildCard() {
  return h('article', { class: 'card' },
    h('span', { class: 'card-deco', 'aria-hidden': true }),
    h('p', { class: 'card-eyebrow', text: t('for_you') }),
    h('div', { class: 'card-text', 'data-placeholder': t('placeholder') }),
    h('div', { class: 'card-media-slot' }),
    h('p', { class: 'card-sign' }));
}

/** Stage and card in `look`, with the words (Telegram's markup if any) and signature. */
function dress(stage, card, look, html, text, sign) {
  paintStage(stage, look);
  var deco = card.querySelector('.card-deco');
  deco.textContent = look.decoration || '';
  deco.hidden = !look.decoration;
  var body = card.querySelector('.card-text');
  body.replaceChildren();
  if (html) body.append(richText(html));
  else body.textContent = text;
  // short words get room to breathe; long ones a smaller size
  var length = body.textContent.length;
  body.classList.toggle('is-short', length > 0 && length <= 70);
  body.classList.toggle('is-long', length > 420);
  card.querySelector('.card-sign').textContent = sign;
}

function animate(card, animation, stage) {
  ['anim-envelope', 'anim-fade', 'anim-float', 'anim-hearts'].forEach(function (name) { card.classList.remove(name); });
  if (!animation || animation === 'none' || !motionOK()) return;
  void card.offsetWidth; // restart the animation
  card.classList.add('anim-' + animation);
  if (animation === 'hearts' && stage) hearts(stage);
}

function hearts(stage) {
  var old = stage.querySelector('.particles');
  if (old) old.remove();
  var layer = h('div', { class: 'particles', 'aria-hidden': true });
  var glyphs = ['❤️', '💕', '💗', '💖', '✨'];
  for (var i = 0; i < 16; i++) {
    layer.append(h('span', {
      class: 'particle',
      text: glyphs[i % glyphs.length],
      style: {
        left: (4 + Math.random() * 90).toFixed(1) + '%',
        '--dx': Math.round(Math.random() * 80 - 40) + 'px',
        '--rot': Math.round(Math.random() * 60 - 30) + 'deg',
        'animation-delay': (i * 0.14).toFixed(2) + 's',
        'font-size': Math.round(16 + Math.random() * 14) + 'px'
      }
    }));
  }
  stage.append(layer);
  setTimeout(function () { layer.remove(); }, 6000);
}

function mediaNode(media) {
  if (!media || !media.url) return null;
  var kind = media.kind;
  var node;
  if (kind === 'photo' || kind === 'image') node = h('img', { alt: '', decoding: 'async' });
  else if (kind === 'voice' || kind === 'audio') node = h('audio', { controls: true, preload: 'metadata' });
  else {
    node = h('video', { controls: kind !== 'animation', playsinline: '', preload: 'metadata' });
    if (kind === 'animation') { node.muted = true; node.loop = true; node.autoplay = true; }
  }
  node.src = mediaSource(media.url) || '';
  if (media.thumbnail_url && node.tagName === 'VIDEO') node.poster = mediaSource(media.thumbnail_url) || '';
  return h('figure', { class: 'card-media' + (kind === 'video_note' ? ' card-media--round' : '') }, node);
}

/** The whole card as the recipient sees it, on its stage. */
function cardView(c, cat) {
  var look = resolve(c.style, cat);
  var stage = h('div', { class: 'stage' });
  var card = buildCard();
  dress(stage, card, look, c.text_html, c.text || '', signLine(c.signature, c.hint, c.sender_name, c.sender_pseudonym));
  card.querySelector('.card-media-slot').replaceWith(mediaNode(c.media) || '');
  stage.append(card);
  return { stage: stage, card: card, look: look };
}

/* ---------- navigation ---------- */

var screenId = 0;
var leaveGuard = null;

function go(screen, id) {
  var query = '?screen=' + encodeURIComponent(screen) + (id ? '&c=' + encodeURIComponent(id) : '');
  history.replaceState(null, '', query + location.hash);
  route(screen, id);
}

function goHome() {
  if (leaveGuard) leaveGuard(function () { go('home'); });
  else go('home');
}

function route(screen, id) {
  screenId += 1;
  leaveGuard = null;
  closingConfirmation(false);
  mainButton(null);
  var current = screenId;
  var alive = function () { return current === screenId; };
  if (screen === 'edit' && id) return screenEdit(id, alive);
  if (screen === 'reveal' && id) return screenReveal(id, alive);
  if (screen === 'privacy' || screen === 'settings') return later(screen, alive);
  return screenHome(alive);
}

/** Settings and privacy, reached by a button: their code and words come down when opened. */
function later(screen, alive) {
  backButton(goHome);
  var wanted = screen;
  return Promise.all([import('./more.js'), loadWords('more')]).then(function (found) {
    if (alive()) return found[0][wanted === 'privacy' ? 'screenPrivacy' : 'screenSettings'](alive);
  }, function (error) {
    if (alive()) problem(new ApiError(0, 'network', String(error)), function () { go(wanted); });
  });
}

function topbar() {
  return h('div', { class: 'topbar' },
    h('button', { type: 'button', class: 'back', onclick: goHome },
      h('span', { class: 'back-arrow', 'aria-hidden': true, text: '‹' }), t('back')));
}

function problem(error, retry) {
  haptic.done('error');
  mainButton(null);
  var message = typeof error === 'string' ? error : friendly(error);
  mount(h('section', { class: 'problem' },
    h('div', { class: 'problem-emoji', 'aria-hidden': true, text: '🥀' }),
    h('h1', { class: 'title', text: t('err_title') }),
    h('p', { class: 'subtitle', role: 'alert', text: message }),
    retry ? btn('btn', t('retry'), retry) : null,
    btn('btn btn--ghost', t('back'), function () { go('home'); })));
  focusHeading();
}

/** A screen that loads first: `show` gets the answers, or `problem` offers a retry. */
function loadScreen(alive, requests, retry, show) {
  backButton(goHome);
  mount(topbar(), h('div', { class: 'stage', 'aria-busy': 'true' },
    h('div', { class: 'boot', role: 'status' }, h('span', { class: 'boot-heart', 'aria-hidden': true, text: '💌' }), t('opening'))));
  return Promise.all(requests).then(function (results) {
    if (alive()) show.apply(null, results);
  }).catch(function (error) {
    if (alive()) problem(error, retry);
  });
}

/** WAI-ARIA tabs (select one to start): arrows, Home and End move between them; `onSelect` shows the panel. */
function tablist(label, items, onSelect) {
  var buttons = {};
  var order = items.map(function (item) { return item.id; });
  var list = h('div', { class: 'tabs tabs--' + items.length, role: 'tablist', 'aria-label': label });
  items.forEach(function (item) {
    var button = h('button', {
      type: 'button', role: 'tab', class: 'tab', id: 'tab-' + item.id,
      'aria-controls': item.panel,
      onclick: function () { if (button.getAttribute('aria-selected') !== 'true') haptic.pick(); select(item.id); },
      onkeydown: function (e) {
        var at = order.indexOf(item.id);
        var next = e.key === 'ArrowRight' ? order[(at + 1) % order.length]
          : e.key === 'ArrowLeft' ? order[(at - 1 + order.length) % order.length]
          : e.key === 'Home' ? order[0] : e.key === 'End' ? order[order.length - 1] : null;
        if (next) { e.preventDefault(); select(next); buttons[next].focus(); }
      }
    }, item.label);
    buttons[item.id] = button;
    list.append(button);
  });
  function select(id) {
    order.forEach(function (key) {
      buttons[key].setAttribute('aria-selected', String(key === id));
      buttons[key].tabIndex = key === id ? 0 : -1;
    });
    onSelect(id);
  }
  return { el: list, select: select, buttons: buttons };
}

/* ---------- screen: outside Telegram ---------- */

function envelopeArt(seal) {
  return [
    h('span', { class: 'env-back' }),
    h('span', { class: 'env-letter' }),
    h('span', { class: 'env-front' }),
    h('span', { class: 'env-flap' }, h('span', { class: 'env-flap-face' })),
    h('span', { class: 'env-seal', text: seal || '♥' })
  ];
}

function screenOutside() {
  mount(h('section', { class: 'outside' },
    h('div', { class: 'stage', 'aria-hidden': true }, h('div', { class: 'envelope' }, envelopeArt())),
    h('div', null,
      h('h1', { class: 'title', text: t('outside_title') + ' 💌' }),
      h('p', { class: 'subtitle', text: t('outside_body') })),
    h('ol', { class: 'steps' }, h('li', { text: t('outside_step1') }), h('li', { text: t('outside_step2') })),
    h('p', { class: 'fineprint', text: t('outside_foot') })));
}

/* ---------- screen: lists ---------- */

var SENT_ICON = { draft: '✏️', queued: '⏳', delivered: '📬', revealed: '💞', withdrawn: '↩️', expired: '⌛' };

function ago(iso) {
  var date = new Date(iso);
  if (isNaN(date)) return '';
  var seconds = (date.getTime() - Date.now()) / 1000;
  var abs = Math.abs(seconds);
  try {
    var rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto', style: 'short' });
    if (abs < 60) return rtf.format(0, 'second');
    if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
    if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
    if (abs < 7 * 86400) return rtf.format(Math.round(seconds / 86400), 'day');
  } catch (e) { /* old engines: fall through to a date */ }
  return date.toLocaleDateString(lang, { day: 'numeric', month: 'short' });
}

function listItem(item, cat) {
  var received = item.role === 'recipient';
  var sealed = received && item.status === 'delivered';
  var icon = sealed ? '💌' : SENT_ICON[item.status] || '💌';
  var title = received ? t('for_you') : item.recipient_name ? t('to', { name: item.recipient_name }) : t('to_link');
  var preview = sealed ? t('sealed') : item.preview ? '“' + item.preview + (item.preview.length >= 80 ? '…' : '') + '”' : '';
  var reaction = item.reaction && find(cat.reactions, item.reaction);
  return h('li', null, h('button', {
    type: 'button',
    class: 'item' + (sealed ? ' is-new' : ''),
    'data-id': item.id,
    onclick: function () { haptic.tap(); go(received ? 'reveal' : 'edit', item.id); }
  },
  h('span', { class: 'item-icon', 'aria-hidden': true, text: icon }),
  h('span', { class: 'item-main' },
    h('span', { class: 'item-title', text: title }),
    preview ? h('span', { class: 'item-preview', text: preview }) : null,
    h('span', { class: 'item-meta' },
      h('span', { class: 'chip' + (sealed ? ' chip--new' : item.status === 'revealed' ? ' chip--revealed' : ''), text: (reaction ? reaction.emoji + ' ' : '') + t(sealed ? 'st_new' : 'st_' + item.status) }),
      h('span', { class: 'item-time', text: ago(item.created_at) })))));
}

function screenHome(alive) {
  backButton(null);
  var name = user && user.first_name;
  var panel = h('div', { id: 'box-panel', role: 'tabpanel', 'aria-busy': 'true' },
    h('div', { class: 'skeleton' }), h('div', { class: 'skeleton' }), h('div', { class: 'skeleton' }));
  var boxes = { received: null, sent: null };
  var selected = 'received';
  var cat = FALLBACK;

  var tabs = tablist(t('tabs'), ['received', 'sent'].map(function (box) {
    return { id: box, panel: 'box-panel', label: h('span', { text: t(box) }) };
  }), function (box) {
    selected = box;
    panel.setAttribute('aria-labelledby', 'tab-' + box);
    fill();
  });

  function fill() {
    var data = boxes[selected];
    if (!data) return;
    panel.removeAttribute('aria-busy');
    if (!data.items.length) {
      panel.replaceChildren(h('div', { class: 'empty' },
        h('div', { class: 'empty-emoji', 'aria-hidden': true, text: selected === 'received' ? '🕊️' : '✍️' }),
        h('p', { text: t('empty_' + selected) }),
        btn('btn btn--ghost', t('back_to_chat'), function () { tg.close(); }, { style: { 'margin-top': '16px' } })));
      return;
    }
    var list = h('ul', { class: 'list' }, data.items.map(function (item) { return listItem(item, cat); }));
    var more = data.next ? btn('btn btn--ghost btn--block more', t('more'), function () {
      more.disabled = true;
      load(selected, data.next).then(function (page) {
        data.items = data.items.concat(page.items);
        data.next = page.next_cursor;
        fill();
      }, function (error) { more.disabled = false; sayError(error); });
    }) : null;
    panel.replaceChildren(list, more || '');
  }

  function load(box, cursor) {
    return api('GET', '/confessions?box=' + box + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
  }

  mount(
    intro('hello', '💌 ' + t('brand'), name ? t('hi', { name: name }) : t('hi_anon'), t('home_sub'),
      btn('btn btn--ghost settings-link', t('settings'), function () { haptic.tap(); go('settings'); })),
    tabs.el, panel,
    h('p', { class: 'fineprint safety-link' },
      btn('btn btn--ghost', t('privacy_link'), function () { go('privacy'); }, { 'data-screen': 'privacy' })));
  tabs.select('received');

  // the catalog first: a person's first request also registers them, so it goes alone
  return catalog().then(function (found) {
    cat = found;
    return Promise.all([load('received'), load('sent')]);
  }).then(function (results) {
    if (!alive()) return;
    ['received', 'sent'].forEach(function (box, i) { boxes[box] = { items: results[i].items, next: results[i].next_cursor }; });
    var fresh = boxes.received.items.filter(function (i) { return i.status === 'delivered'; }).length;
    if (fresh) tabs.buttons.received.append(h('span', { class: 'count', 'aria-label': tn('new_count', fresh), text: fill('{n}', { n: fresh }) }));
    tabs.select(!fresh && !boxes.received.items.length && boxes.sent.items.length ? 'sent' : 'received');
  }).catch(function (error) {
    if (alive()) problem(error, function () { go('home'); });
  });
}

/* ---------- screen: editor ---------- */

var ACCENTS = ['#e2506b', '#ff6f91', '#f0782b', '#e0a100', '#3fa66b', '#2b8fd6', '#8c9eff', '#7e57c2', '#1c1c1c'];
var BACKDROPS = ['#fff5f7', '#ffe4ec', '#fff0e0', '#fdf6d8', '#eef8ee', '#e6f0ff', '#f1e8ff', '#1b1f3b', '#2a1a22'];
/** Names a screen reader can say, in the order of the colours above (the catalogue's `colour_names`). */
function colourName(i) { return t('colour_names').split('|')[i] || ''; }

/** One item for choices(): its value, the name a screen reader says, and its face. */
function option(value, label, kind, props, children) {
  return { value: value, label: label, face: h('span', Object.assign({ class: 'choice-face ' + kind, 'aria-hidden': true }, props), children) };
}

/** The rainbow swatch that opens the system colour picker; `onPick` gets #rrggbb. */
function customColour(value, onPick) {
  var input = h('input', { type: 'color', 'aria-label': t('custom_colour'), value: value, oninput: function () { onPick(input.value.toLowerCase()); } });
  var wrap = h('label', { class: 'custom-colour', title: t('custom_colour') }, input);
  wrap.input = input;
  return wrap;
}

var groupCount = 0;
/** Radio buttons dressed as swatches: real inputs, so arrows, Tab and screen readers work. */
function choices(options) {
  groupCount += 1;
  var name = 'g' + groupCount + '-' + options.name;
  var titleId = name + '-title';
  var inputs = [];
  var box = h('div', { class: 'choices choices--' + options.layout, role: 'radiogroup', 'aria-labelledby': titleId });
  options.items.forEach(function (item) {
    var input = h('input', {
      type: 'radio', name: name, value: item.value,
      checked: item.value === options.value,
      'aria-label': item.label
    });
    input.addEventListener('change', function () {
      if (input.checked) { haptic.pick(); options.onChange(item.value); }
    });
    inputs.push(input);
    box.append(h('label', { class: 'choice', title: item.label }, input, item.face));
  });
  var group = h('div', { class: 'group' },
    h(options.heading ? 'h3' : 'span', { class: 'group-title', id: titleId, text: options.title }), box);
  return {
    el: group,
    box: box,
    set: function (value) { inputs.forEach(function (input) { input.checked = input.value === value; }); }
  };
}

function snapshot(state) {
  return JSON.stringify({ style: styleBody(state.style), text: state.text, signature: state.signature, hint: state.hint });
}

function styleBody(style) {
  var background = style.background || { kind: 'theme', value: null };
  return {
    theme: style.theme,
    accent_color: style.accent_color,
    font: style.font,
    animation: style.animation,
    background: { kind: background.kind, value: background.kind === 'theme' ? null : background.value },
    decoration: style.decoration || null
  };
}

function screenEdit(id, alive) {
  return loadScreen(alive, [api('GET', confessionPath(id)), catalog()], function () { go('edit', id); }, function (c, cat) {
    if (c.role !== 'sender') go('reveal', id);
    else editor(c, cat, alive);
  });
}

function editor(c, cat, alive) {
  var style = JSON.parse(JSON.stringify(c.style || {}));
  style.background = style.background || { kind: 'theme', value: null };
  var state = { style: style, text: c.text || '', signature: c.signature || 'anonymous', hint: c.hint || '' };
  var savedSnapshot = snapshot(state);
  var textEdited = false;
  var saving = false;
  var editable = !!c.can_edit;
  var formatted = /<[a-z]/i.test(c.text_html || '');

  /* preview */
  var stage = h('section', { class: 'stage', 'aria-label': t('preview') });
  var card = buildCard();
  // what they will see includes the photo or video sent with it
  card.querySelector('.card-media-slot').replaceWith(mediaNode(c.media) || '');
  stage.append(card);
  var replay = h('button', {
    type: 'button', class: 'replay',
    onclick: function () { animate(card, state.style.animation, stage); }
  }, h('span', { 'aria-hidden': true, text: '↻' }), t('replay'));

  function paint(options) {
    dress(stage, card, resolve(state.style, cat), !textEdited && c.text_html, state.text,
      signLine(state.signature, state.hint, c.sender_name || (user && user.first_name)));
    if (options && options.replay) animate(card, state.style.animation, stage);
    refreshDirty();
  }

  /* words */
  var counter = h('span', { class: 'counter', id: 'text-count' });
  var textarea = h('textarea', {
    id: 'confession-text', class: 'textarea', rows: '5', value: state.text, 'aria-describedby': formatted ? 'text-count text-help' : 'text-count',
    oninput: function () {
      textEdited = true;
      state.text = textarea.value;
      counter.textContent = tn('chars', state.text.length);
      paint();
    }
  });
  counter.textContent = tn('chars', state.text.length);
  var hintInput = h('input', {
    id: 'confession-hint', class: 'input', type: 'text', maxlength: '500', value: state.hint, autocomplete: 'off',
    oninput: function () { state.hint = hintInput.value; paint(); }
  });
  var hintField = h('div', { class: 'field', hidden: state.signature !== 'hint' },
    h('label', { class: 'field-label', for: 'confession-hint', text: t('hint_label') }), hintInput);
  var signature = choices({
    name: 'signature', title: t('sig'), layout: 'rows', value: state.signature,
    items: ['anonymous', 'hint', 'signed'].map(function (value) {
      return option(value, t('sig_' + value), 'row-face', { text: t('sig_' + value) });
    }),
    onChange: function (value) {
      state.signature = value;
      hintField.hidden = value !== 'hint';
      paint();
    }
  });

  var words = h('div', { class: 'panel' },
    h('div', { class: 'field' },
      h('div', { class: 'field-label' }, h('label', { for: 'confession-text', text: t('text_label') }), counter),
      textarea,
      formatted ? h('p', { class: 'field-help', id: 'text-help', text: t('text_plain') }) : null),
    h('div', { class: 'field' }, signature.el),
    hintField);

  /* look */
  var accent;
  var customAccent = customColour(colour(state.style.accent_color, '#e2506b'), function (value) { setAccent(value, true); });
  function setAccent(value, fromCustom) {
    state.style.accent_color = value;
    if (!fromCustom) customAccent.input.value = value;
    var preset = ACCENTS.indexOf(value) >= 0;
    accent.set(preset ? value : null);
    customAccent.classList.toggle('is-active', !preset);
    paint();
  }

  var theme = choices({
    name: 'theme', title: t('theme'), layout: 'themes', value: state.style.theme,
    items: cat.themes.map(function (item) {
      return option(item.id, named('theme', item), 'theme-face', null, [
        h('span', { class: 'theme-mini', style: { background: colour(item.background, '#fff') } },
          h('span', { class: 'theme-mini-card', style: { background: colour(item.card, '#fff') } },
            h('i', { style: { background: colour(item.text, '#000') } }),
            h('i', { style: { background: colour(item.accent, '#e2506b') } }))),
        named('theme', item)]);
    }),
    onChange: function (value) {
      state.style.theme = value;
      var chosen = find(cat.themes, value);
      if (chosen && HEX.test(chosen.accent)) setAccent(chosen.accent.toLowerCase());
      else paint();
    }
  });

  accent = choices({
    name: 'accent', title: t('accent'), layout: 'dots', value: state.style.accent_color,
    items: ACCENTS.map(function (value, i) {
      return option(value, colourName(i), 'dot-face', { style: { background: value } });
    }),
    onChange: function (value) { setAccent(value); }
  });
  accent.box.append(customAccent);
  customAccent.classList.toggle('is-active', ACCENTS.indexOf(state.style.accent_color) < 0);

  var font = choices({
    name: 'font', title: t('font'), layout: 'fonts', value: state.style.font,
    items: cat.fonts.map(function (item) {
      return option(item.id, named('font', item), 'font-face', null, [
        h('span', { class: 'font-sample', style: { 'font-family': item.css }, text: 'Aa' }),
        h('span', { class: 'font-name', text: named('font', item) })]);
    }),
    onChange: function (value) { state.style.font = value; paint(); }
  });

  var animation = choices({
    name: 'animation', title: t('animation'), layout: 'chips', value: state.style.animation,
    items: cat.animations.map(function (item) {
      return option(item.id, named('anim', item), 'chip-face', { text: named('anim', item) });
    }),
    onChange: function (value) { state.style.animation = value; paint({ replay: true }); }
  });

  var look = h('div', { class: 'panel' }, theme.el, accent.el, font.el);

  /* background */
  var bg = state.style.background;
  var customBg = customColour(bg.kind === 'color' ? colour(bg.value, '#fff5f7') : '#fff5f7', function (value) {
    setBackground({ kind: 'color', value: value });
    backdrop.set(null);
    customBg.classList.add('is-active');
  });
  var backdrop = choices({
    name: 'backdrop', title: t('bg_colour'), layout: 'dots', value: bg.kind === 'color' ? bg.value : null,
    items: BACKDROPS.map(function (value, i) {
      return option(value, colourName(ACCENTS.length + i), 'dot-face', { style: { background: value } });
    }),
    onChange: function (value) { customBg.classList.remove('is-active'); customBg.input.value = value; setBackground({ kind: 'color', value: value }); }
  });
  backdrop.box.append(customBg);
  customBg.classList.toggle('is-active', bg.kind === 'color' && BACKDROPS.indexOf(bg.value) < 0);

  var gradients = choices({
    name: 'gradient', title: t('bg_gradient'), layout: 'dots', value: bg.kind === 'gradient' ? bg.value : null,
    items: cat.gradients.map(function (item) {
      return option(item.id, named('grad', item), 'grad-face', { style: { 'background-image': item.css } });
    }),
    onChange: function (value) { setBackground({ kind: 'gradient', value: value }); }
  });

  var photo = photoPicker();
  var subs = {
    color: h('div', { class: 'sub' }, backdrop.el),
    gradient: h('div', { class: 'sub' }, gradients.el),
    image: h('div', { class: 'sub' }, photo.el)
  };
  var lastOf = {
    color: bg.kind === 'color' ? bg : { kind: 'color', value: BACKDROPS[1] },
    gradient: bg.kind === 'gradient' ? bg : cat.gradients.length ? { kind: 'gradient', value: cat.gradients[0].id } : null,
    image: bg.kind === 'image' ? bg : null
  };
  var kinds = [['theme', '🎨'], ['color', '🟣'], ['gradient', '🌈'], ['image', '🖼️']];
  var kind = choices({
    name: 'bgkind', title: t('background'), layout: 'seg', value: bg.kind,
    items: kinds.filter(function (k) { return k[0] !== 'gradient' || cat.gradients.length; }).map(function (k) {
      return option(k[0], t('bg_' + k[0]), 'seg-face', null, [h('b', { text: k[1] }), t('bg_' + k[0])]);
    }),
    onChange: function (value) {
      showSub(value);
      if (value === 'theme') setBackground({ kind: 'theme', value: null });
      else if (lastOf[value]) setBackground(lastOf[value]);
      else if (value === 'image') photo.focus();
    }
  });
  function showSub(value) { showOnly(subs, value); }
  function setBackground(next) {
    state.style.background = next;
    if (next.kind !== 'theme') lastOf[next.kind] = next;
    if (next.kind === 'color') backdrop.set(BACKDROPS.indexOf(next.value) >= 0 ? next.value : null);
    if (next.kind === 'gradient') gradients.set(next.value);
    kind.set(next.kind);
    showSub(next.kind);
    paint();
  }
  showSub(bg.kind);

  var background = h('div', { class: 'panel' }, kind.el, subs.color, subs.gradient, subs.image);

  /* decoration */
  var decoration = choices({
    name: 'decoration', title: t('decoration'), layout: 'emoji', value: state.style.decoration || '',
    items: [option('', t('none'), 'emoji-face emoji-none', { text: t('none') })].concat(cat.decorations.map(function (emoji) {
      return option(emoji, emoji, 'emoji-face', { text: emoji });
    })),
    onChange: function (value) { state.style.decoration = value || null; paint(); }
  });
  var extras = h('div', { class: 'panel' }, animation.el, decoration.el);
  var panels = { words: words, look: look, backdrop: background, extras: extras };
  var sections = tablist(t('customise'), [['words', '✍️'], ['look', '🎨'], ['backdrop', '🖼️'], ['extras', '✨']].map(function (entry) {
    var panel = panels[entry[0]];
    panel.id = 'panel-' + entry[0];
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', 'tab-' + entry[0]);
    return { id: entry[0], panel: panel.id, label: [h('span', { class: 'tab-emoji', 'aria-hidden': true, text: entry[1] }), t(entry[0])] };
  }), function (id) {
    showOnly(panels, id);
  });

  /* photo upload */
  function photoPicker() {
    var input = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif', 'aria-describedby': 'photo-help' });
    var label = h('span', { text: bg.kind === 'image' ? t('photo_replace') : t('photo_choose') });
    var button = h('label', { class: 'btn btn--ghost btn--block file-btn' }, h('span', { 'aria-hidden': true, text: '🖼️' }), label, input);
    var bar = h('progress', { max: '100', value: '0', 'aria-labelledby': 'upload-label' });
    var barLabel = h('span', { id: 'upload-label' });
    var row = h('div', { class: 'progress-row', hidden: true }, barLabel, bar);
    var help = h('p', { class: 'field-help', id: 'photo-help', text: t('photo_help') });
    var uploading = false;
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      input.value = '';
      if (file && !uploading) upload(file);
    });

    function progress(fraction) {
      var pct = Math.round(fraction * 100);
      bar.value = pct;
      barLabel.textContent = t('uploading', { p: pct });
    }

    function upload(file) {
      if (!/^image\//.test(file.type)) { say(t('photo_not_image'), 'error'); return; }
      var previous = state.style.background;
      var local = URL.createObjectURL(file);
      uploading = true;
      input.disabled = true;
      row.hidden = false;
      progress(0);
      setBackground({ kind: 'image', value: previous.kind === 'image' ? previous.value : null, localUrl: local });
      var ticket;
      api('POST', '/media', { kind: 'image' }).then(function (answer) {
        ticket = answer;
        if (ticket.max_bytes && file.size > ticket.max_bytes) {
          throw new ApiError(413, 'too_large', t('photo_too_big', { mb: Math.round(ticket.max_bytes / 1048576) }));
        }
        return send(ticket.upload, file, progress);
      }).then(function () {
        return api('POST', '/media/' + encodeURIComponent(ticket.id) + '/complete');
      }).then(function (media) {
        if (!alive()) return;
        progress(1);
        setBackground({ kind: 'image', value: media.id, image_url: media.url || local });
        label.textContent = t('photo_replace');
        haptic.done('success');
        say(t('uploaded'));
      }).catch(function (error) {
        URL.revokeObjectURL(local);
        if (!alive()) return;
        haptic.done('error');
        setBackground(previous.kind === 'image' && !previous.value ? { kind: 'theme', value: null } : previous);
        if (error.status === 404 || error.status === 405 || error.status === 501) {
          button.hidden = true;
          help.textContent = t('photo_unavailable');
          say(t('photo_unavailable'), 'error');
        } else if (error.code === 'too_large' || error.status === 413) {
          say(error.code === 'too_large' ? error.message : friendly(error), 'error');
        } else {
          say(error.status === 422 ? friendly(error) : t('photo_failed'), 'error');
        }
      }).then(function () {
        uploading = false;
        input.disabled = false;
        row.hidden = true;
      });
    }

    return {
      el: h('div', { class: 'upload' }, button, row, help),
      focus: function () { input.focus(); },
      busy: function () { return uploading; }
    };
  }

  /** The upload itself, with progress: S3's presigned POST (form) or a raw PUT. */
  function send(upload, file, onProgress) {
    return new Promise(function (resolveUpload, reject) {
      var xhr = new XMLHttpRequest();
      var method = String(upload.method || 'POST').toUpperCase();
      xhr.open(method, upload.url);
      if (sameOrigin(upload.url)) xhr.setRequestHeader('Authorization', 'tma ' + tg.initData);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) { resolveUpload(); return; }
        var error = {};
        try { error = JSON.parse(xhr.responseText).error || {}; } catch (e) { /* S3 answers XML */ }
        reject(new ApiError(xhr.status, error.code || 'upload_failed', error.message));
      };
      xhr.onerror = function () { reject(new ApiError(0, 'network', t('err_network'))); };
      if (method === 'PUT') {
        var headers = upload.headers || {};
        Object.keys(headers).forEach(function (key) { xhr.setRequestHeader(key, headers[key]); });
        if (!headers['Content-Type'] && file.type) xhr.setRequestHeader('Content-Type', file.type);
        xhr.send(file);
      } else {
        var form = new FormData();
        var fields = upload.fields || {};
        Object.keys(fields).forEach(function (key) { form.append(key, fields[key]); });
        form.append('file', file);
        xhr.send(form);
      }
    });
  }

  /* saving */
  var note = h('p', { class: 'save-note', 'aria-live': 'polite' });
  var saveButton = h('button', { type: 'submit', class: 'btn btn--block', text: t('save') });

  function dirty() { return snapshot(state) !== savedSnapshot; }
  function refreshDirty() {
    var changed = dirty();
    note.textContent = changed ? t('unsaved') : note.dataset.saved ? t('saved_short') : '';
    closingConfirmation(changed && editable);
  }

  function save(event) {
    if (event && event.preventDefault) event.preventDefault();
    if (saving || !editable || !alive()) return;
    if (photo.busy()) { say(t('photo_wait')); return; }
    if (state.signature === 'hint' && !state.hint.trim()) {
      say(t('hint_needed'), 'error');
      sections.select('words');
      hintInput.focus();
      haptic.done('error');
      return;
    }
    saving = true;
    saveButton.disabled = true;
    saveButton.textContent = t('saving');
    if (tg) tg.MainButton.showProgress(false);
    var patch = {};
    if (textEdited && state.text !== (c.text || '')) patch.text = state.text;
    if (state.signature !== c.signature || state.hint !== (c.hint || '')) {
      patch.signature = state.signature;
      if (state.signature === 'hint') patch.hint = state.hint.trim();
    }
    var chain = Object.keys(patch).length
      ? api('PATCH', confessionPath(c.id), patch)
      : Promise.resolve(null);
    chain.then(function (updated) {
      if (updated) { c = updated; }
      return api('PUT', confessionPath(c.id, '/style'), styleBody(state.style));
    }).then(function (updated) {
      c = updated;
      textEdited = false;
      state.text = c.text || state.text;
      state.hint = c.hint || '';
      if (c.style && c.style.background && c.style.background.image_url && state.style.background.kind === 'image') {
        state.style.background.image_url = c.style.background.image_url;
      }
      savedSnapshot = snapshot(state);
      note.dataset.saved = '1';
      if (!alive()) return;
      paint();
      haptic.done('success');
      say(t('saved'));
    }, function (error) {
      if (!alive()) return;
      haptic.done('error');
      sayError(error);
      if (/^(text|hint)/.test(error.code || '')) sections.select('words');
      if (error.status === 409) { editable = false; form.querySelector('fieldset').disabled = true; mainButton(null); }
    }).then(function () {
      saving = false;
      saveButton.disabled = !editable;
      saveButton.textContent = t('save');
      if (tg) tg.MainButton.hideProgress();
    });
  }

  var controls = h('fieldset', { class: 'controls', disabled: !editable, style: { border: '0', padding: '0', margin: '0', 'min-width': '0' } },
    h('legend', { class: 'sr-only', text: t('customise') }),
    sections.el, words, look, background, extras,
    h('div', { class: 'save-bar' }, saveButton, note));
  var form = h('form', { novalidate: '', onsubmit: save }, controls);
  sections.select('look');

  mount(
    topbar(),
    intro('intro', '🎨 ' + t('customise'), t('edit_title'), t('edit_sub')),
    editable ? null : h('p', { class: 'notice notice--soft', role: 'note', style: { 'margin-bottom': '14px' }, text: t('locked') }),
    h('div', { class: 'preview-wrap' }, stage, editable ? replay : null, shareButton(c)),
    editable ? form : null);
  if (!editable || hasMainButton()) saveButton.hidden = true;

  paint({ replay: true });
  if (editable) mainButton(t('save'), save);
  leaveGuard = function (leave) {
    if (!editable || !dirty()) leave();
    else confirmThen(t('leave'), t('leave_yes'), leave);
  };
  focusHeading();
}

/* ---------- sharing the card ---------- */

var SHAREABLE = ['queued', 'delivered', 'revealed'];

/** Telegram's share sheet for the sender's own card (Bot API 8.0: the server prepares it,
   shareMessage opens it); older clients get inline mode with the query filled in. */
function shareButton(c) {
  var allowed = c.permissions && typeof c.permissions.share === 'boolean' ? c.permissions.share
    : c.role === 'sender' && SHAREABLE.indexOf(c.status) >= 0;
  var native = supports('8.0') && typeof tg.shareMessage === 'function';
  var launch = window.Telegram.WebView && window.Telegram.WebView.initParams;
  var inline = supports('6.7') && !!(launch && launch.tgWebAppBotInline);
  if (!allowed || !(native || inline)) return null;
  var button = btn('btn btn--ghost btn--block share', t('share'), function () {
    haptic.tap();
    if (!native) { tg.switchInlineQuery('c_' + c.id, ['users', 'groups']); return; }
    button.disabled = true;
    api('POST', confessionPath(c.id, '/share')).then(function (prepared) {
      tg.shareMessage(prepared.id, function (sent) {
        if (sent) { haptic.done('success'); say(t('share_sent')); }
      });
    }, sayError).then(function () { button.disabled = false; }, function () { button.disabled = false; });
  });
  return button;
}

/** An opened card as a story (Bot API 7.8): the server draws it with the words only. */
function storyButton(c) {
  if (c.status !== 'revealed' || !supports('7.8') || typeof tg.shareToStory !== 'function') return null;
  var button = btn('btn btn--ghost btn--block story', t('story'), function () {
    haptic.tap();
    button.disabled = true;
    api('POST', confessionPath(c.id, '/story')).then(function (image) {
      tg.shareToStory(image.url);
    }, sayError).then(function () { button.disabled = false; }, function () { button.disabled = false; });
  });
  return button;
}

/* ---------- screen: reveal ---------- */

function screenReveal(id, alive) {
  return loadScreen(alive, [api('GET', confessionPath(id)), catalog()], function () { go('reveal', id); }, function (c, cat) {
    if (c.status === 'withdrawn' || c.status === 'expired') { problem(t(c.status)); return; }
    if (c.role === 'sender') ownCard(c, cat);
    else if (c.can.reveal) envelope(c, cat, alive);
    else opened(c, cat, false);
  });
}

function ownCard(c, cat) {
  var view = cardView(c, cat);
  mount(topbar(),
    intro('intro', null, t('own_title'), t('own_sub')),
    view.stage,
    h('div', { class: 'save-bar' },
      c.can_edit ? btn('btn btn--block', t('own_edit'), function () { go('edit', c.id); }) : null,
      shareButton(c), storyButton(c)));
  animate(view.card, view.look.animation, view.stage);
  focusHeading();
}

function envelope(c, cat, alive) {
  var look = resolve(c.style, cat);
  var busy = false;
  var stage = h('div', { class: 'stage stage--reveal' });
  paintStage(stage, look);
  var button = h('button', { type: 'button', class: 'envelope', 'aria-label': t('open_label'), onclick: open }, envelopeArt(look.decoration));
  var tap = h('p', { class: 'tap-hint', 'aria-hidden': true, text: t('tap') });
  stage.append(h('div', { class: 'reveal-stack' }, button, tap));
  var hint = c.signature === 'hint' && c.hint ? h('p', { class: 'hint-pill', text: t('reveal_hint', { hint: c.hint }) }) : null;

  mount(topbar(),
    intro('reveal-head', t('reveal_eyebrow'), t('reveal_title'), t('reveal_sub'), hint),
    stage);
  mainButton(t('open_main'), open);
  focusHeading();

  function open() {
    if (busy) return;
    busy = true;
    haptic.tap('medium');
    button.setAttribute('aria-busy', 'true');
    mainButton(null);
    var motion = motionOK();
    if (motion) button.classList.add('is-opening');
    tap.hidden = true;
    var request = api('POST', confessionPath(c.id, '/reveal'));
    Promise.all([request, wait(motion ? 1150 : 0)]).then(function (results) {
      if (!alive()) return;
      if (motion) button.classList.add('is-done');
      return wait(motion ? 300 : 0).then(function () {
        if (!alive()) return;
        haptic.done('success');
        opened(results[0], cat, true);
      });
    }, function (error) {
      if (!alive()) return;
      busy = false;
      button.classList.remove('is-opening');
      button.removeAttribute('aria-busy');
      tap.hidden = false;
      haptic.done('error');
      sayError(error);
      if (error.status === 409 || error.status === 404) problem(error, function () { go('reveal', c.id); });
      else mainButton(t('open_main'), open);
    });
  }
}

function opened(c, cat, justNow) {
  var view = cardView(c, cat);
  var reactions = c.can.react && cat.reactions.length ? reactionPicker(c, cat) : null;
  mount(topbar(),
    intro('reveal-head', t('reveal_eyebrow'), t('opened_title')),
    view.stage,
    reactions,
    storyButton(c));
  if (justNow) animate(view.card, view.look.animation, view.stage);
  focusHeading();
}

function reactionPicker(c, cat) {
  var current = c.reaction;
  var busy = false;
  var buttons = cat.reactions.map(function (reaction) {
    return h('button', {
      type: 'button', class: 'reaction', 'aria-label': named('reaction', reaction), title: named('reaction', reaction),
      onclick: function () { choose(reaction); }
    }, h('span', { class: 'reaction-emoji', 'aria-hidden': true, text: reaction.emoji }));
  });
  var caption = h('p', { class: 'reaction-caption', 'aria-hidden': true });
  function mark(id) {
    buttons.forEach(function (button, i) { button.setAttribute('aria-pressed', String(cat.reactions[i].id === id)); });
    var chosen = find(cat.reactions, id);
    caption.textContent = chosen ? chosen.emoji + ' ' + named('reaction', chosen) : t('react_hint');
  }
  mark(current);
  function choose(reaction) {
    if (busy) return;
    busy = true;
    haptic.pick();
    var before = current;
    mark(reaction.id);
    api('POST', confessionPath(c.id, '/reaction'), { reaction: reaction.id }).then(function (updated) {
      current = (updated && updated.reaction) || reaction.id;
      mark(current);
      haptic.done('success');
      say(t('reacted', { emoji: reaction.emoji }));
    }, function (error) {
      mark(before);
      haptic.done('error');
      sayError(error);
    }).then(function () { busy = false; });
  }
  return h('section', { class: 'reactions', 'aria-labelledby': 'react-title' },
    h('h2', { id: 'react-title', text: t('react') }),
    h('div', { class: 'reaction-row' }, buttons), caption);
}

/* ---------- start ---------- */

function start() {
  // English fallbacks above if the words do not come; the screens then say what failed
  loadWords('first').then(begin, begin);
}

function begin() {
  if (!tg || !tg.initData) {
    screenOutside();
    return;
  }
  tg.ready();
  tg.expand();
  applyScheme();
  tg.onEvent('themeChanged', applyScheme);
  var params = new URLSearchParams(location.search);
  var screen = params.get('screen');
  var id = params.get('c');
  var startParam = tg.initDataUnsafe && tg.initDataUnsafe.start_param;
  var fromStart = !screen && startParam && /^(edit|reveal)_([A-Za-z0-9_-]+)$/.exec(startParam);
  if (fromStart) { screen = fromStart[1]; id = fromStart[2]; }
  route(screen || 'home', id);
}

start();

/* for more.js, the screens loaded later */
export { h, btn, intro, actionRow, mount, focusHeading, say, sayError, api, confessionPath, haptic, go, loadScreen, topbar, ago, t, lang };
