/* The playground's stand-in for telegram.org's telegram-web-app.js.

   It gives the mini app the same window.Telegram.WebApp that Telegram's script gives it, read
   from the same place (the tgWebApp* parameters in the URL fragment), and talks to the chat
   window around it with Telegram's own postMessage events (web_app_setup_main_button, ...),
   so the chat window plays the part of the Telegram client. Only what a mini app of this kind
   uses is here; the init data is the real, signed string, so the server checks it as usual.
   Like Telegram's script it puts the theme into CSS variables (--tg-theme-bg-color, ...,
   --tg-color-scheme) and the viewport's height into --tg-viewport-*, which is what a page
   styles itself with, and it follows theme_changed as Telegram switches light and dark. */
(function () {
  'use strict';

  var fragment = new URLSearchParams(location.hash.slice(1));
  var initData = fragment.get('tgWebAppData') || '';
  var version = fragment.get('tgWebAppVersion') || '8.0';
  var themeParams = {};
  var handlers = {};

  function setCssVariable(name, value) {
    document.documentElement.style.setProperty('--tg-' + name, value);
  }

  /* Telegram sends colours as #rrggbb; anything else is dropped, as Telegram's script does. */
  function applyTheme(params) {
    Object.keys(params || {}).forEach(function (key) {
      var color = String(params[key]).trim().toLowerCase();
      if (!/^#[0-9a-f]{6}$/.test(color)) return;
      themeParams[key] = color;
      setCssVariable('theme-' + key.split('_').join('-'), color);
    });
    setCssVariable('color-scheme', colorScheme());
  }

  function applyViewport() {
    setCssVariable('viewport-height', window.innerHeight + 'px');
    setCssVariable('viewport-stable-height', window.innerHeight + 'px');
  }

  applyTheme(parseJson(fragment.get('tgWebAppThemeParams')));
  applyViewport();

  function parseJson(text) {
    try { return text ? JSON.parse(text) : null; } catch (e) { return null; }
  }

  function unsafeData(raw) {
    var data = {};
    new URLSearchParams(raw).forEach(function (value, key) {
      data[key] = key === 'user' || key === 'receiver' || key === 'chat' ? parseJson(value) : value;
    });
    if (data.auth_date) data.auth_date = Number(data.auth_date);
    return data;
  }

  function postEvent(eventType, eventData) {
    if (window.parent === window) return;
    window.parent.postMessage(JSON.stringify({ eventType: eventType, eventData: eventData || {} }), location.origin);
  }

  function emit(name, argument) {
    (handlers[name] || []).slice().forEach(function (handler) {
      try { handler.call(WebApp, argument); } catch (e) { setTimeout(function () { throw e; }); }
    });
  }

  function colorScheme() {
    var bg = themeParams.bg_color || '#ffffff';
    var rgb = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(bg);
    if (!rgb) return 'light';
    var luma = 0.2126 * parseInt(rgb[1], 16) + 0.7152 * parseInt(rgb[2], 16) + 0.0722 * parseInt(rgb[3], 16);
    return luma < 120 ? 'dark' : 'light';
  }

  function versionAtLeast(wanted) {
    var have = version.split('.').map(Number);
    var want = String(wanted).split('.').map(Number);
    for (var i = 0; i < Math.max(have.length, want.length); i++) {
      var a = have[i] || 0;
      var b = want[i] || 0;
      if (a !== b) return a > b;
    }
    return true;
  }

  /* Bottom buttons take the theme's button colours until the page sets its own, and follow a
     theme change, as Telegram's do. */
  var bottomButtons = [];

  function bottomButton(eventType, clickEvent) {
    var ownColor = null;
    var ownTextColor = null;
    var button = {
      text: 'Continue',
      get color() { return ownColor || themeParams.button_color || '#2481cc'; },
      get textColor() { return ownTextColor || themeParams.button_text_color || '#ffffff'; },
      isVisible: false, isActive: true, isProgressVisible: false,
      setParams: function (params) {
        if ('text' in params) button.text = String(params.text);
        if ('color' in params) ownColor = params.color || null;
        if ('text_color' in params) ownTextColor = params.text_color || null;
        if ('is_visible' in params) button.isVisible = !!params.is_visible;
        if ('is_active' in params) button.isActive = !!params.is_active;
        sync();
        return button;
      },
      setText: function (text) { return button.setParams({ text: text }); },
      show: function () { return button.setParams({ is_visible: true }); },
      hide: function () { return button.setParams({ is_visible: false }); },
      enable: function () { return button.setParams({ is_active: true }); },
      disable: function () { return button.setParams({ is_active: false }); },
      showProgress: function () { button.isProgressVisible = true; sync(); return button; },
      hideProgress: function () { button.isProgressVisible = false; sync(); return button; },
      onClick: function (handler) { WebApp.onEvent(clickEvent, handler); return button; },
      offClick: function (handler) { WebApp.offEvent(clickEvent, handler); return button; }
    };
    function sync() {
      postEvent(eventType, {
        is_visible: button.isVisible, is_active: button.isActive, text: button.text,
        color: button.color, text_color: button.textColor, is_progress_visible: button.isProgressVisible
      });
    }
    bottomButtons.push({ button: button, sync: sync });
    return button;
  }

  var backVisible = false;
  var BackButton = {
    get isVisible() { return backVisible; },
    show: function () { backVisible = true; postEvent('web_app_setup_back_button', { is_visible: true }); return BackButton; },
    hide: function () { backVisible = false; postEvent('web_app_setup_back_button', { is_visible: false }); return BackButton; },
    onClick: function (handler) { WebApp.onEvent('backButtonClicked', handler); return BackButton; },
    offClick: function (handler) { WebApp.offEvent('backButtonClicked', handler); return BackButton; }
  };

  function haptic(type) {
    return function (style) { postEvent('web_app_trigger_haptic_feedback', { type: type, style: style }); return WebApp.HapticFeedback; };
  }

  var WebApp = {
    initData: initData,
    initDataUnsafe: unsafeData(initData),
    version: version,
    platform: fragment.get('tgWebAppPlatform') || 'web',
    themeParams: themeParams,
    colorScheme: colorScheme(),
    isExpanded: true,
    viewportHeight: window.innerHeight,
    viewportStableHeight: window.innerHeight,
    isClosingConfirmationEnabled: false,
    MainButton: null,
    SecondaryButton: null,
    BackButton: BackButton,
    HapticFeedback: {
      impactOccurred: haptic('impact'),
      notificationOccurred: haptic('notification'),
      selectionChanged: haptic('selection_change')
    },
    isVersionAtLeast: versionAtLeast,
    ready: function () { postEvent('web_app_ready'); },
    expand: function () { postEvent('web_app_expand'); },
    close: function () { postEvent('web_app_close'); },
    setHeaderColor: function (color) { postEvent('web_app_set_header_color', { color: color }); },
    setBackgroundColor: function (color) { postEvent('web_app_set_background_color', { color: color }); },
    enableClosingConfirmation: function () {
      WebApp.isClosingConfirmationEnabled = true;
      postEvent('web_app_setup_closing_behavior', { need_confirmation: true });
    },
    disableClosingConfirmation: function () {
      WebApp.isClosingConfirmationEnabled = false;
      postEvent('web_app_setup_closing_behavior', { need_confirmation: false });
    },
    openLink: function (url) { postEvent('web_app_open_link', { url: String(url) }); },
    openTelegramLink: function (url) {
      var parsed = new URL(url, 'https://t.me');
      postEvent('web_app_open_tg_link', { path_full: parsed.pathname + parsed.search });
    },
    showAlert: function (message, callback) { window.alert(message); if (callback) callback(); },
    showConfirm: function (message, callback) { var ok = window.confirm(message); if (callback) callback(ok); },
    onEvent: function (name, handler) { (handlers[name] = handlers[name] || []).push(handler); },
    offEvent: function (name, handler) {
      handlers[name] = (handlers[name] || []).filter(function (h) { return h !== handler; });
    }
  };
  WebApp.MainButton = bottomButton('web_app_setup_main_button', 'mainButtonClicked');
  WebApp.SecondaryButton = bottomButton('web_app_setup_secondary_button', 'secondaryButtonClicked');

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || event.origin !== location.origin) return;
    var message = typeof event.data === 'string' ? parseJson(event.data) : event.data;
    if (!message || !message.eventType) return;
    if (message.eventType === 'main_button_pressed') emit('mainButtonClicked');
    else if (message.eventType === 'secondary_button_pressed') emit('secondaryButtonClicked');
    else if (message.eventType === 'back_button_pressed') emit('backButtonClicked');
    else if (message.eventType === 'theme_changed') {
      applyTheme(message.eventData && message.eventData.theme_params);
      WebApp.colorScheme = colorScheme();
      bottomButtons.forEach(function (entry) { if (entry.button.isVisible) entry.sync(); });
      emit('themeChanged');
    }
  });

  window.addEventListener('resize', function () {
    WebApp.viewportHeight = WebApp.viewportStableHeight = window.innerHeight;
    applyViewport();
    emit('viewportChanged', { isStateStable: true });
  });

  window.Telegram = { WebApp: WebApp };
})();
