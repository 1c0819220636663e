/* The playground's chat window: the Telegram client for pretend users.

   It shows what the bot sent (read from the emulated Bot API through /playground/api/view)
   and turns what the user does into what Telegram would send the bot: messages, media,
   button presses, the user picker, inline-mode sharing, deep links. web_app buttons open the
   mini app in the side panel, with init data the server signs as Telegram does. */
(function () {
  'use strict';

  var API = '/playground/api';
  var POLL_MS = 600;
  var THEMES = {
    light: {
      bg_color: '#ffffff', text_color: '#000000', hint_color: '#707579', link_color: '#3390ec',
      button_color: '#3390ec', button_text_color: '#ffffff', secondary_bg_color: '#f4f4f5',
      header_bg_color: '#ffffff', accent_text_color: '#3390ec', section_bg_color: '#ffffff',
      section_header_text_color: '#3390ec', subtitle_text_color: '#707579', destructive_text_color: '#e53935'
    },
    dark: {
      bg_color: '#212121', text_color: '#ffffff', hint_color: '#aaaaaa', link_color: '#8774e1',
      button_color: '#8774e1', button_text_color: '#ffffff', secondary_bg_color: '#0f0f0f',
      header_bg_color: '#212121', accent_text_color: '#8774e1', section_bg_color: '#212121',
      section_header_text_color: '#8774e1', subtitle_text_color: '#aaaaaa', destructive_text_color: '#ff595a'
    }
  };
  var ALLOWED_TAGS = { B: 'b', STRONG: 'b', I: 'i', EM: 'i', U: 'u', INS: 'u', S: 's', STRIKE: 's', DEL: 's',
    CODE: 'code', PRE: 'pre', BLOCKQUOTE: 'blockquote', A: 'a', 'TG-SPOILER': 'span', SPAN: 'span', BR: 'br' };

  var state = {
    user: null, chat: null, version: -1, view: null, busy: false, inline: null,
    stuck: true, rendered: {}, keyboardKey: null, keyboardOpen: false,
    theme: matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
  };
  var $ = function (id) { return document.getElementById(id); };

  /* ---------------- talking to the server ---------------- */

  function call(method, path, body) {
    var options = { method: method, headers: { Accept: 'application/json' } };
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || data.detail && JSON.stringify(data.detail) || response.statusText);
        return data;
      });
    });
  }

  function act(promise) {
    return promise.then(function (result) { refresh(); return result; }, function (error) {
      toast(error.message);
      refresh();
      throw error;
    });
  }

  function asUser(path) { return '/users/' + state.user + path; }

  /* ---------------- the view ---------------- */

  function refresh() {
    if (state.busy || state.user === null) return;
    state.busy = true;
    var query = '?user=' + state.user + (state.chat ? '&chat=' + state.chat : '') + '&since=' + state.version;
    call('GET', '/view' + query).then(function (view) {
      state.busy = false;
      // The user or chat changed while this was on its way: it shows the wrong chat.
      if (query.indexOf('?user=' + state.user + (state.chat ? '&chat=' + state.chat : '') + '&') !== 0) { refresh(); return; }
      if (view.version === state.version || !view.messages) return;
      state.version = view.version;
      state.view = view;
      render();
    }, function () { state.busy = false; });
  }

  function render() {
    var view = state.view;
    renderUsers(view.users);
    renderChats(view);
    renderMessages(view.messages);
    renderReplyKeyboard(view.reply_keyboard, view.reply_keyboard_folded);
    var bot = view.bot;
    $('chat-title').textContent = state.chat ? nameOf(person(state.chat)) : bot.first_name;
    $('chat-subtitle').textContent = state.chat ? '@' + (person(state.chat).username || 'user') + ' · a chat between pretend users' : '@' + bot.username + ' · bot';
    $('composer').dataset.peerChat = state.chat ? 'true' : 'false';
  }

  function person(id) {
    return (state.view.users || []).filter(function (u) { return u.id === id; })[0] || { id: id, first_name: 'User ' + id };
  }

  function nameOf(user) { return user.first_name; }

  function avatar(name, seed) {
    var hue = (seed * 47) % 360;
    return h('span', { class: 'avatar', 'aria-hidden': 'true', style: 'background:hsl(' + hue + ' 55% 50%)' }, (name || '?').charAt(0).toUpperCase());
  }

  function renderUsers(users) {
    var list = $('users');
    list.replaceChildren.apply(list, users.map(function (user) {
      var button = h('button', { type: 'button', 'aria-pressed': String(user.id === state.user), 'data-user': user.id },
        avatar(user.first_name, user.id),
        h('span', { class: 'who' }, h('span', null, user.first_name), h('small', null, user.username ? '@' + user.username : 'no username')),
        badge(user.id === state.user ? 0 : user.unread));
      button.addEventListener('click', function () { switchUser(user.id); });
      return h('li', null, button);
    }));
  }

  function renderChats(view) {
    var list = $('chats');
    var items = [chatItem(null, view.bot.first_name, '@' + view.bot.username, view.bot.id, view.bot_unread)];
    view.chats.forEach(function (chat) {
      items.push(chatItem(chat.peer.id, chat.peer.first_name, chat.last || 'No messages yet', chat.peer.id, chat.unread));
    });
    list.replaceChildren.apply(list, items);
  }

  function chatItem(chatId, title, subtitle, seed, unread) {
    var button = h('button', { type: 'button', 'aria-current': String(state.chat === chatId), 'data-chat': chatId === null ? 'bot' : chatId },
      avatar(title, seed), h('span', { class: 'who' }, h('span', null, title), h('small', null, subtitle)), badge(unread));
    button.addEventListener('click', function () { openChat(chatId); });
    return h('li', null, button);
  }

  /* Unread messages, as the chat list's counter shows them; none, no counter. */
  function badge(count) {
    if (!count) return null;
    return h('span', { class: 'badge', 'aria-label': count + ' unread' }, count > 99 ? '99+' : String(count));
  }

  /* The chat keeps its place as Telegram's does: at the newest message unless the user
     scrolled up. Messages that did not change keep their elements, so a photo is not
     reloaded (and the list does not shrink and grow) on every poll; a photo's box is sized
     before it loads; and whatever still grows afterwards (a video, a photo of unknown size)
     brings the view back down if it was there. */
  function renderMessages(messages) {
    var list = $('messages');
    if (!messages.length) {
      state.rendered = {};
      list.replaceChildren(h('li', { class: 'empty' }, state.chat ? 'No messages here yet.' : 'Say /start to the bot.'));
      return;
    }
    var make = state.chat ? peerMessage : botChatMessage;
    var previous = state.rendered;
    var rendered = {};
    var nodes = messages.map(function (message) {
      var key = (state.chat ? 'peer:' + state.chat + ':' + message.id : 'bot:' + message.message_id);
      var signature = JSON.stringify(message);
      var kept = previous[key];
      var node = kept && kept.signature === signature ? kept.node : make(message);
      rendered[key] = { signature: signature, node: node };
      return node;
    });
    state.rendered = rendered;
    var unchanged = nodes.length === list.children.length && nodes.every(function (node, i) { return list.children[i] === node; });
    if (!unchanged) list.replaceChildren.apply(list, nodes);
    if (state.scrollDown) state.stuck = true;
    state.scrollDown = false;
    if (state.stuck) toBottom();
  }

  function toBottom() {
    var list = $('messages');
    list.scrollTop = list.scrollHeight;
  }

  function botChatMessage(message) {
    var mine = !message.from_bot;
    var bubble = h('div', { class: 'bubble' });
    if (message.media) bubble.appendChild(mediaElement(message.media, message.media_url));
    var content = message.text !== null ? message.text : message.caption;
    if (content) bubble.appendChild(formatted(content, message.parse_mode));
    bubble.appendChild(h('div', { class: 'meta' }, (message.edited ? 'edited · ' : '') + clock(message.edit_date || message.date)));
    var item = h('li', { class: 'msg ' + (mine ? 'out' : 'in'), 'data-message-id': message.message_id }, bubble);
    var keyboard = message.reply_markup && message.reply_markup.inline_keyboard;
    if (keyboard) item.appendChild(inlineKeyboard(keyboard, message));
    return item;
  }

  function peerMessage(message) {
    var mine = message.sender_id === state.user;
    var bubble = h('div', { class: 'bubble' });
    if (message.via_bot) bubble.appendChild(h('span', { class: 'via' }, 'via @' + message.via_bot));
    bubble.appendChild(formatted(message.text, message.parse_mode));
    bubble.appendChild(h('div', { class: 'meta' }, clock(message.date)));
    var item = h('li', { class: 'msg ' + (mine ? 'out' : 'in') }, bubble);
    var keyboard = message.reply_markup && message.reply_markup.inline_keyboard;
    if (keyboard) item.appendChild(inlineKeyboard(keyboard, null));
    return item;
  }

  function mediaElement(media, url) {
    if (!url) return h('span', { class: 'media-missing' }, '[' + media.kind + ']');
    if (media.kind === 'photo') {
      var photo = h('img', { src: url, alt: 'Photo' });
      if (media.width && media.height) {
        var scale = Math.min(1, 320 / media.height, 360 / media.width);
        photo.style.width = Math.round(media.width * scale) + 'px';
        photo.style.height = Math.round(media.height * scale) + 'px';
      }
      return photo;
    }
    if (media.kind === 'voice' || media.kind === 'audio') return h('audio', { src: url, controls: '', 'aria-label': 'Voice note' });
    if (media.kind === 'video' || media.kind === 'animation' || media.kind === 'video_note') {
      return h('video', { src: url, controls: '', preload: 'metadata', 'aria-label': 'Video' });
    }
    return h('a', { href: url, download: '' }, '📄 ' + (media.file_name || media.kind));
  }

  function clock(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  /* Telegram's HTML subset as DOM nodes; any other markup shows as its text. */
  function formatted(text, parseMode) {
    var span = h('span', { class: 'text' });
    if (parseMode && parseMode.toUpperCase() === 'HTML') {
      var doc = new DOMParser().parseFromString('<body>' + text + '</body>', 'text/html');
      appendSafe(span, doc.body);
    } else {
      linkify(span, text);
    }
    return span;
  }

  function appendSafe(target, source) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) { linkify(target, node.textContent); return; }
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      var tag = ALLOWED_TAGS[node.tagName];
      if (!tag) { appendSafe(target, node); return; }
      var copy = document.createElement(tag);
      if (tag === 'a') {
        var href = node.getAttribute('href') || '';
        if (/^(https?:|tg:)/i.test(href)) {
          copy.href = href;
          copy.addEventListener('click', function (event) { event.preventDefault(); openUrl(href); });
        }
      }
      if (node.tagName === 'TG-SPOILER' || (node.tagName === 'SPAN' && node.classList.contains('tg-spoiler'))) {
        copy.className = 'tg-spoiler';
        copy.addEventListener('click', function () { copy.classList.add('shown'); });
      }
      appendSafe(copy, node);
      target.appendChild(copy);
    });
  }

  function linkify(target, text) {
    var pattern = /https?:\/\/[^\s<>"]+/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text))) {
      target.appendChild(document.createTextNode(text.slice(last, match.index)));
      var href = match[0];
      var link = h('a', { href: href }, href);
      link.addEventListener('click', function (url) {
        return function (event) { event.preventDefault(); openUrl(url); };
      }(href));
      target.appendChild(link);
      last = match.index + href.length;
    }
    target.appendChild(document.createTextNode(text.slice(last)));
  }

  function inlineKeyboard(rows, message) {
    return h('div', { class: 'keyboard' }, rows.map(function (row) {
      return h('div', { class: 'keyboard-row' }, row.map(function (button) {
        return inlineButton(button, message);
      }));
    }));
  }

  function inlineButton(spec, message) {
    var kind = spec.url ? '↗' : spec.web_app ? '▣' : spec.switch_inline_query_chosen_chat ? '↪' : '';
    var button = h('button', { type: 'button' }, spec.text, kind ? h('span', { class: 'kind', 'aria-hidden': 'true' }, kind) : null);
    button.addEventListener('click', function () {
      if (spec.callback_data !== undefined && message) press(message, spec.callback_data);
      else if (spec.url) openUrl(spec.url);
      else if (spec.web_app) openMiniApp(spec.web_app.url, null);
      else if (spec.switch_inline_query_chosen_chat) shareInline(spec.switch_inline_query_chosen_chat.query || '');
      else if (spec.switch_inline_query !== undefined) shareInline(spec.switch_inline_query);
      else if (spec.switch_inline_query_current_chat !== undefined) $('text').value = '@' + state.view.bot.username + ' ' + spec.switch_inline_query_current_chat;
      else toast('The playground cannot press this kind of button.');
    });
    return button;
  }

  /* The bot's reply keyboard. As in Telegram's client, a one-time keyboard folds once used,
     and the keyboard button in the input field brings it back (or folds any keyboard away)
     for as long as the bot has not removed or replaced it. */
  function renderReplyKeyboard(markup, folded) {
    var box = $('reply-keyboard');
    var toggle = $('keyboard-button');
    if (!markup || !markup.keyboard) {
      box.hidden = true;
      toggle.hidden = true;
      box.replaceChildren();
      state.keyboardKey = null;
      $('text').placeholder = 'Message';
      return;
    }
    var key = JSON.stringify(markup) + ':' + folded;
    if (key !== state.keyboardKey) {
      state.keyboardKey = key;
      state.keyboardOpen = !folded;
    }
    toggle.hidden = false;
    toggle.setAttribute('aria-expanded', String(state.keyboardOpen));
    toggle.setAttribute('aria-label', state.keyboardOpen ? 'Hide the bot keyboard' : 'Show the bot keyboard');
    toggle.title = toggle.getAttribute('aria-label');
    box.hidden = !state.keyboardOpen;
    box.replaceChildren.apply(box, markup.keyboard.map(function (row) {
      return h('div', { class: 'keyboard-row' }, row.map(function (spec) {
        var label = typeof spec === 'string' ? spec : spec.text;
        var button = h('button', { type: 'button' }, label);
        button.addEventListener('click', function () {
          if (markup.one_time_keyboard) { state.keyboardOpen = false; box.hidden = true; toggle.setAttribute('aria-expanded', 'false'); }
          if (spec.request_users || spec.request_user) pickUser(spec.request_users || spec.request_user);
          else if (spec.web_app) openMiniApp(spec.web_app.url, null);
          else sendText(label);
        });
        return button;
      }));
    }));
    var placeholder = markup.input_field_placeholder;
    $('text').placeholder = placeholder || 'Message';
  }

  /* ---------------- what a user does ---------------- */

  function switchUser(id) {
    if (state.user === id) return;
    state.user = id;
    state.chat = null;
    state.version = -1;
    state.scrollDown = true;
    state.rendered = {};
    closeMiniApp();
    closeInline();
    refresh();
  }

  function openChat(chatId) {
    state.chat = chatId;
    state.version = -1;
    state.scrollDown = true;
    state.rendered = {};
    closeInline();
    refresh();
  }

  function sendText(text) {
    state.scrollDown = true;
    if (state.chat) return act(call('POST', asUser('/peers/' + state.chat + '/messages'), { text: text }));
    return act(call('POST', asUser('/messages'), { text: text }));
  }

  function press(message, data) {
    act(call('POST', asUser('/press'), { message_id: message.message_id, data: data })).then(function (result) {
      var answer = result && result.answer;
      if (!answer) return;
      if (answer.url) openUrl(answer.url);
      else if (answer.text && answer.show_alert) showAlert(answer.text);
      else if (answer.text) toast(answer.text);
    }, function () {});
  }

  function pickUser(request) {
    var others = state.view.users.filter(function (u) { return u.id !== state.user; });
    choose('Choose a user', others, function (user) {
      state.scrollDown = true;
      act(call('POST', asUser('/shared-user'), { request_id: request.request_id || 0, user_id: user.id }));
    });
  }

  function shareInline(query) {
    var others = state.view.users.filter(function (u) { return u.id !== state.user; });
    choose('Choose a chat', others, function (peer) {
      openChat(peer.id);
      showInlineResults(peer, query);
    });
  }

  function showInlineResults(peer, query) {
    $('inline-panel').hidden = false;
    $('inline-title').textContent = '@' + state.view.bot.username + ' ' + query;
    $('inline-results').replaceChildren(h('li', { class: 'hint' }, 'Asking the bot…'));
    call('POST', asUser('/inline'), { query: query }).then(function (answer) {
      state.inline = answer;
      if (!answer.results.length) {
        $('inline-results').replaceChildren(h('li', { class: 'hint' }, 'The bot offered nothing for this query.'));
        return;
      }
      $('inline-results').replaceChildren.apply($('inline-results'), answer.results.map(function (result) {
        var button = h('button', { type: 'button' }, h('strong', null, result.title || result.id), h('small', null, result.description || ''));
        button.addEventListener('click', function () {
          state.scrollDown = true;
          act(call('POST', asUser('/inline/choice'), { query_id: answer.query_id, result_id: result.id, peer_id: peer.id })).then(closeInline, function () {});
        });
        return h('li', null, button);
      }));
    }, function (error) { toast(error.message); closeInline(); });
  }

  function closeInline() {
    $('inline-panel').hidden = true;
    state.inline = null;
  }

  /* t.me links: deep links start the bot, share links post into a chat, the rest open. */
  function openUrl(url) {
    var parsed;
    try { parsed = new URL(url); } catch (e) { toast('Not a link: ' + url); return; }
    if (parsed.protocol === 'tg:') { toast('tg: links need the Telegram app.'); return; }
    if (!/^(t\.me|telegram\.me)$/i.test(parsed.hostname)) { window.open(url, '_blank', 'noopener,noreferrer'); return; }
    var path = parsed.pathname.replace(/^\/+/, '').split('/');
    if (path[0] === 'share' && path[1] === 'url') { shareLink(parsed.searchParams.get('url') || '', parsed.searchParams.get('text') || ''); return; }
    if (path[0].toLowerCase() !== state.view.bot.username.toLowerCase()) { toast('@' + path[0] + ' is not in the playground.'); return; }
    if (parsed.searchParams.has('startapp') || path[1]) { openMiniApp(location.origin + '/app/', parsed.searchParams.get('startapp')); return; }
    openChat(null);
    var start = parsed.searchParams.get('start');
    if (!start) { sendText('/start'); return; }
    state.scrollDown = true;
    act(call('POST', asUser('/start'), { parameter: start })).catch(function () {});
  }

  function shareLink(link, text) {
    var others = state.view.users.filter(function (u) { return u.id !== state.user; });
    choose('Share with', others, function (peer) {
      openChat(peer.id);
      sendText((text ? text + '\n' : '') + link);
    });
  }

  /* ---------------- the mini app panel ---------------- */

  var mainButtonState = null;

  function openMiniApp(url, startParam) {
    var target = new URL(url, location.href);
    var query = '/users/' + state.user + '/init-data' + (startParam ? '?start_param=' + encodeURIComponent(startParam) : '');
    call('GET', query).then(function (data) {
      var fragment = new URLSearchParams({
        tgWebAppData: data.init_data, tgWebAppVersion: '8.0', tgWebAppPlatform: 'web',
        tgWebAppThemeParams: JSON.stringify(THEMES[state.theme])
      });
      var panel = $('mini-app');
      panel.hidden = false;
      $('mini-app-back').hidden = true;
      setMainButton(null);
      $('mini-app-title').textContent = state.view.bot.first_name + ' · ' + nameOf(person(state.user));
      $('mini-app-frame').src = '/playground/app/' + target.search + '#' + fragment.toString();
    }, function (error) { toast(error.message); });
  }

  /* Telegram's light or dark theme, as its settings switch it: the open mini app hears
     theme_changed with the new parameters. */
  function setTheme(name) {
    state.theme = name;
    var toggle = $('theme-toggle');
    toggle.setAttribute('aria-pressed', String(name === 'dark'));
    toggle.textContent = name === 'dark' ? '☀' : '☾';
    document.documentElement.dataset.theme = name;
    toMiniApp('theme_changed', { theme_params: THEMES[name] });
  }

  function closeMiniApp() {
    $('mini-app').hidden = true;
    $('mini-app-frame').src = 'about:blank';
    setMainButton(null);
  }

  function setMainButton(params) {
    mainButtonState = params;
    var button = $('main-button');
    if (!params || !params.is_visible) { button.hidden = true; return; }
    button.hidden = false;
    button.textContent = params.is_progress_visible ? '…' : params.text;
    button.disabled = !params.is_active || !!params.is_progress_visible;
    if (params.color) button.style.background = params.color;
    if (params.text_color) button.style.color = params.text_color;
  }

  function toMiniApp(eventType, eventData) {
    var frame = $('mini-app-frame').contentWindow;
    if (frame) frame.postMessage(JSON.stringify({ eventType: eventType, eventData: eventData || {} }), location.origin);
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== location.origin || event.source !== $('mini-app-frame').contentWindow) return;
    var message;
    try { message = typeof event.data === 'string' ? JSON.parse(event.data) : event.data; } catch (e) { return; }
    var data = message.eventData || {};
    switch (message.eventType) {
      case 'web_app_close': closeMiniApp(); break;
      case 'web_app_setup_main_button': setMainButton(data); break;
      case 'web_app_setup_back_button': $('mini-app-back').hidden = !data.is_visible; break;
      case 'web_app_open_link': window.open(data.url, '_blank', 'noopener,noreferrer'); break;
      case 'web_app_open_tg_link': closeMiniApp(); openUrl('https://t.me' + data.path_full); break;
      default: break;
    }
  });

  /* ---------------- small pieces ---------------- */

  function choose(title, options, then) {
    var dialog = $('chooser');
    $('chooser-title').textContent = title;
    var list = $('chooser-options');
    if (!options.length) {
      list.replaceChildren(h('li', { class: 'hint' }, 'Add another pretend user first.'));
    } else {
      list.replaceChildren.apply(list, options.map(function (user) {
        var button = h('button', { type: 'button' }, avatar(user.first_name, user.id), h('span', null, user.first_name + (user.username ? ' @' + user.username : '')));
        button.addEventListener('click', function () { dialog.close(); then(user); });
        return h('li', null, button);
      }));
    }
    dialog.showModal();
  }

  function showAlert(text) {
    $('alert-text').textContent = text;
    $('alert').showModal();
  }

  var toastTimer = null;
  function toast(text) {
    var box = $('toast');
    box.textContent = text;
    box.classList.add('shown');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.classList.remove('shown'); }, 3500);
  }

  function h(tag, attributes) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    for (var i = 2; i < arguments.length; i++) append(element, arguments[i]);
    return element;
  }

  function append(element, child) {
    if (child === null || child === undefined) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(element, c); }); return; }
    element.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  /* ---------------- wiring ---------------- */

  $('composer').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = $('text').value.trim();
    if (!text) return;
    $('text').value = '';
    $('command-menu').hidden = true;
    sendText(text).catch(function () { $('text').value = text; });
  });
  $('text').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('composer').requestSubmit(); }
  });
  $('attach').addEventListener('change', function () {
    var file = $('attach').files[0];
    if (!file || state.chat) return;
    var form = new FormData();
    form.append('file', file);
    form.append('caption', $('text').value.trim());
    $('text').value = '';
    $('attach').value = '';
    state.scrollDown = true;
    act(call('POST', asUser('/media'), form)).catch(function () {});
  });
  $('commands-button').addEventListener('click', function () {
    var menu = $('command-menu');
    if (!menu.hidden) { menu.hidden = true; return; }
    var commands = (state.view && state.view.commands) || [];
    menu.replaceChildren.apply(menu, commands.map(function (command) {
      var button = h('button', { type: 'button' }, h('b', null, '/' + command.command), command.description);
      button.addEventListener('click', function () { menu.hidden = true; sendText('/' + command.command); });
      return button;
    }));
    menu.hidden = !commands.length;
  });
  $('inline-close').addEventListener('click', closeInline);
  $('keyboard-button').addEventListener('click', function () {
    state.keyboardOpen = !state.keyboardOpen;
    if (state.view) renderReplyKeyboard(state.view.reply_keyboard, state.view.reply_keyboard_folded);
  });
  $('theme-toggle').addEventListener('click', function () { setTheme(state.theme === 'dark' ? 'light' : 'dark'); });
  /* Only the user scrolling up unpins the view: a photo growing below the fold moves the
     bottom away without moving scrollTop, and must not count as leaving it. */
  var lastScrollTop = 0;
  $('messages').addEventListener('scroll', function () {
    var list = $('messages');
    if (list.scrollHeight - list.scrollTop - list.clientHeight < 40) state.stuck = true;
    else if (list.scrollTop < lastScrollTop) state.stuck = false;
    lastScrollTop = list.scrollTop;
  });
  ['load', 'loadedmetadata'].forEach(function (name) {
    // Media events do not bubble; caught on the way down, they re-pin a view that was at the bottom.
    $('messages').addEventListener(name, function () { if (state.stuck) toBottom(); }, true);
  });
  $('mini-app-close').addEventListener('click', closeMiniApp);
  $('mini-app-back').addEventListener('click', function () { toMiniApp('back_button_pressed'); });
  $('main-button').addEventListener('click', function () {
    if (mainButtonState && mainButtonState.is_active) toMiniApp('main_button_pressed');
  });
  $('add-user').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    var error = form.querySelector('.form-error');
    error.textContent = '';
    call('POST', '/users', { first_name: form.first_name.value, username: form.username.value || null }).then(function (user) {
      form.reset();
      state.version = -1;
      switchUser(user.id);
    }, function (failure) { error.textContent = failure.message; });
  });

  call('GET', '/users').then(function (users) {
    var wanted = Number(new URLSearchParams(location.search).get('as'));
    var first = users.filter(function (u) { return u.id === wanted; })[0] || users[0];
    switchUser(first.id);
  }, function (error) { toast(error.message); });
  setTheme(state.theme);
  setInterval(refresh, POLL_MS);
})();
