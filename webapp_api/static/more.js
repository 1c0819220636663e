/* Confessions mini app: the screens reached from the home screen's buttons (settings,
   privacy). Loaded with their words when first opened, so the first paint does without them;
   the helpers are app.js's own (the same module instance the page already runs). */

import { h, btn, intro, actionRow, mount, focusHeading, say, sayError, api, confessionPath, haptic, go, loadScreen, topbar, ago, t, lang } from './app.js';

/* ---------- screen: settings (who may send, word filter, held) ---------- */

var WHO = ['everyone', 'threads', 'nobody'];

export function screenSettings(alive) {
  return loadScreen(alive, [api('GET', '/settings'), api('GET', '/held')], function () { go('settings'); }, function (settings, held) {
    showSettings(settings, held.items, alive);
  });
}

function showSettings(settings, held, alive) {
  // the radios already show the choice: only a new word list redraws, so typing is never lost
  function save(change) {
    return api('PATCH', '/settings', change).then(function (saved) {
      if (!alive()) return;
      haptic.done('success');
      say(t('settings_saved'));
      if (change.filter_words) showSettings(saved, held, alive);
      else settings = saved;
    }, sayError);
  }
  var who = h('fieldset', { class: 'field settings-who' }, h('legend', { class: 'label', text: t('who_label') }),
    WHO.map(function (choice) {
      return h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'who', value: choice, checked: settings.who_may_send === choice,
          onchange: function () { haptic.pick(); save({ who_may_send: choice }); } }),
        h('span', { text: t('who_' + choice) }));
    }));
  var input = h('input', { type: 'text', class: 'input', id: 'filter-word', maxlength: '200', placeholder: t('filter_placeholder'), 'aria-label': t('filter_placeholder') });
  function add(e) {
    if (e) e.preventDefault();
    var typed = input.value.split(',').map(function (w) { return w.trim(); }).filter(Boolean);
    if (typed.length) save({ filter_words: settings.filter_words.concat(typed) });
  }
  var words = h('ul', { class: 'chips settings-words' }, settings.filter_words.map(function (word) {
    return h('li', null, h('button', { type: 'button', class: 'chip', 'aria-label': t('filter_remove', { word: word }),
      onclick: function () { save({ filter_words: settings.filter_words.filter(function (w) { return w !== word; }) }); } }, word + ' ✕'));
  }));
  var filter = h('section', { class: 'field settings-filter' },
    h('h2', { class: 'label', text: t('filter_label') }),
    h('p', { class: 'help', text: t('filter_help') }),
    h('form', { class: 'row', onsubmit: add }, input, h('button', { type: 'submit', class: 'btn', text: t('filter_add') })),
    h('p', { class: 'help', text: t('filter_count', { n: settings.filter_words.length, max: settings.filter_words_max }) }),
    words);
  var heldList = held.length ? h('ul', { class: 'list settings-held' }, held.map(function (item) {
    var request = item.reason === 'request';
    return actionRow('item', item.kind === 'reply' ? t('held_reply') : t('held_' + item.reason),
      (item.sender_pseudonym ? item.sender_pseudonym + ' · ' : '') + ago(item.created_at),
      [heldButton(request ? 'held_accept' : 'held_show', '/held/' + item.id + '/release', 'held_shown'),
        request ? heldButton('held_decline', confessionPath(item.confession_id, '/decline'), 'held_declined') : null]);
    function heldButton(label, path, done) {
      return btn('btn btn--ghost', t(label), function () {
        api('POST', path).then(function () {
          say(t(done));
          if (alive()) showSettings(settings, held.filter(function (other) { return other.id !== item.id; }), alive);
        }, sayError);
      });
    }
  })) : h('p', { class: 'help', text: t('held_none') });
  mount(topbar(),
    intro('hello', null, t('settings_title'), t('settings_sub')),
    who, filter,
    h('section', { class: 'field settings-held-section' }, h('h2', { class: 'label', text: t('held_label') }), heldList));
  focusHeading();
}

/* ---------- screen: privacy and blocks ---------- */

export function screenPrivacy(alive) {
  return loadScreen(alive, [api('GET', '/privacy'), api('GET', '/blocks')], function () { go('privacy'); }, function (kept, blocks) {
    var list = h('ul', { class: 'list blocks-list' }, blocks.items.map(blockItem));
    var none = h('p', { class: 'fineprint', text: t('blocks_none'), hidden: blocks.items.length > 0 });
    function blockItem(block) {
      var date = new Date(block.created_at).toLocaleDateString(lang, { day: 'numeric', month: 'short', year: 'numeric' });
      var button = btn('btn btn--ghost', t('unblock'), function () {
        button.disabled = true;
        api('DELETE', '/blocks/' + encodeURIComponent(block.id)).then(function () {
          haptic.done('success');
          say(t('unblocked'));
          item.remove();
          none.hidden = list.children.length > 0;
        }, function (error) { button.disabled = false; sayError(error); });
      }, { 'data-block': String(block.id) });
      var item = actionRow('item block-item', block.preview ? '“' + block.preview + '”' : t('blocked_anonymous'), t('blocked_on', { date: date }), button);
      return item;
    }
    function part(heading, body) {
      return h('section', { class: 'privacy-part' }, h('h2', { text: t(heading) }), typeof body === 'string' ? h('p', { text: body }) : body);
    }
    mount(topbar(),
      intro('intro', null, t('privacy'), t('privacy_sub')),
      part('stored_h', t('stored')),
      part('who_h', h('ul', null, ['who_1', 'who_2', 'who_3'].map(function (k) { return h('li', { text: t(k) }); }))),
      part('kept_h', t('kept', { expiry: kept.confession_expiry_days, outbox: kept.outbox_kept_days, inbox: kept.inbox_kept_days })),
      part('hash_h', t('hash')),
      h('section', { class: 'privacy-part', id: 'blocks' }, h('h2', { text: t('blocks_h') }), list, none));
    focusHeading();
  });
}
