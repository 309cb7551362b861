// moa-java's page: plain JavaScript, no libraries, talks only to this server's own API.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const PNG = 'data:image/png;base64,';

  const state = {
    info: null,            // GET /moa/v1/info
    subjects: [],          // {id, name, dataUrl, word}
    nextId: 1,
    running: false,
    cancelling: false,
    pollTimer: null,
    polling: false,
    shown: 0,              // progress shown in this run (never goes back)
    history: [],
    morphB: null,          // {name, dataUrl}
    morphFrames: [],
    morphTimer: null,
    dragDepth: 0,          // dragenter minus dragleave over the window, to know when a drag left the page
  };

  // ------------------------------------------------------------------------------------------ small helpers

  /** el('div', {class: 'x', onclick: f}, child, 'text', ...) */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k in e && typeof v !== 'string') e[k] = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined && c !== false) e.append(c.nodeType ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function fmtSeconds(s) {
    if (!isFinite(s) || s < 0) return '';
    if (s < 1) return '<1 s';
    if (s < 90) return Math.round(s) + ' s';
    return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  }

  function plural(n, word) {
    return n + ' ' + word + (n === 1 ? '' : 's');
  }

  class UserError extends Error {
    constructor(message, field) {
      super(message);
      this.field = field;
    }
  }

  class ApiError extends Error {
    constructor(message, status, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, body) {
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: body !== undefined ? {'Content-Type': 'application/json'} : {},
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw new ApiError('Could not reach the server (' + e.message + '). Is moa serve still running?', 0, null);
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      let msg = (data && (data.error || (typeof data.detail === 'string' && data.detail))) ||
          (res.status + ' ' + (res.statusText || 'error'));
      if (res.status === 503) {
        const ra = res.headers.get('Retry-After');
        msg = 'Server busy: ' + msg + (ra ? ' (Retry-After: ' + ra + ' s)' : '');
      } else if (res.status === 401) {
        msg = 'Not signed in: this server is started with --api-auth. Reload the page and enter your user name and password.';
      }
      throw new ApiError(msg, res.status, data);
    }
    return data;
  }

  // ------------------------------------------------------------------------------------------ errors and status

  const FIELD_IDS = {
    prompt: 'prompt', negative_prompt: 'negative', seed: 'seed', steps: 'steps', cfg_scale: 'cfg',
    sampler_name: 'sampler', width: 'width', height: 'height', subjects: 'subject-list', morph: 'morph-drop',
    'morph.word': 'subject-list', 'morph.frames': 'morph-frames', 'morph.to': 'morph-drop', 'morph.from': 'morph-drop',
  };

  function markInvalid(field) {
    if (!field) return;
    const id = FIELD_IDS[field] || FIELD_IDS[field.split(/[.[]/)[0]] || field;
    const target = $(id);
    if (target) {
      target.classList.add('invalid');
      target.setAttribute('aria-invalid', 'true');
    }
  }

  function clearInvalid() {
    for (const e of document.querySelectorAll('.invalid')) {
      e.classList.remove('invalid');
      e.removeAttribute('aria-invalid');
    }
  }

  function showError(e) {
    const msg = e && e.message ? e.message : String(e);
    $('error-text').textContent = msg;
    $('error').hidden = false;
    if (e instanceof UserError) markInvalid(e.field);
    if (e instanceof ApiError && e.body && Array.isArray(e.body.detail)) {
      for (const d of e.body.detail) {
        if (Array.isArray(d.loc) && d.loc.length > 1) markInvalid(d.loc.slice(1).join('.'));
      }
    }
  }

  function clearError() {
    $('error').hidden = true;
    $('error-text').textContent = '';
    clearInvalid();
  }

  function setStatus(text, kind) {
    const s = $('status');
    s.textContent = text;
    s.dataset.kind = kind || '';
    s.title = text;
  }

  function setProgress(v) {
    v = Math.max(0, Math.min(1, Number(v) || 0));
    const p = $('progress');
    p.dataset.value = String(Math.round(v * 1000) / 1000);
    p.setAttribute('aria-valuenow', p.dataset.value);
    p.firstElementChild.style.width = (v * 100).toFixed(1) + '%';
  }

  // ------------------------------------------------------------------------------------------ server info

  async function loadInfo() {
    try {
      const info = await api('GET', '/moa/v1/info');
      state.info = info;
      $('model').textContent = info.model + (info.moa ? ' + MoA ' + info.moa : ' (no MoA checkpoint)');
      $('model').title = info.moa ? 'base model ' + info.model + ', MoA checkpoint ' + info.moa
          : 'base model ' + info.model + ': start the server with --moa DIR for subject photos';
      const sampler = $('sampler');
      const saved = loadSaved();
      sampler.replaceChildren(...(info.samplers || ['Euler']).map((n) => el('option', {value: n, text: n})));
      sampler.value = (info.samplers || []).includes('Euler') ? 'Euler' : sampler.options[0].value;
      const lim = info.limits || {};
      if (lim.max_steps) $('steps').max = lim.max_steps;
      if (lim.max_images) $('morph-frames').max = lim.max_images;
      for (const id of ['width', 'height']) {
        const f = $(id);
        f.value = info.default_size;
        f.step = info.size_multiple || 8;
        f.min = info.size_multiple || 8;
        if (lim.max_side) f.max = lim.max_side;
      }
      applySaved(saved);
      if (!info.moa) {
        $('subjects-box').classList.add('disabled');
        $('subject-files').disabled = true;
        $('subject-hint').textContent = 'No MoA checkpoint is loaded: start the server with --moa DIR to use subject photos. '
            + 'The page runs plain text-to-image.';
      }
      setStatus('Ready.');
    } catch (e) {
      $('model').textContent = 'server unreachable';
      showError(e);
      setStatus('Could not load the server\'s info.', 'error');
    } finally {
      refreshSubjects();
      document.body.dataset.ready = 'true';
    }
  }

  // settings survive a reload (not the photos)
  const SAVED_KEY = 'moa-page-settings-v1';
  const SAVED_FIELDS = ['prompt', 'negative', 'steps', 'cfg', 'sampler'];
  const SAVED_CHECKS = ['with-prior', 'router-maps', 'keep-background'];

  function loadSaved() {
    try {
      return JSON.parse(localStorage.getItem(SAVED_KEY) || 'null');
    } catch (e) {
      return null;
    }
  }

  function applySaved(saved) {
    if (!saved) return;
    for (const id of SAVED_FIELDS) {
      if (typeof saved[id] !== 'string') continue;
      if (id === 'sampler' && ![...$('sampler').options].some((o) => o.value === saved[id])) continue;
      $(id).value = saved[id];
    }
    for (const id of SAVED_CHECKS) {
      if (typeof saved[id] === 'boolean') $(id).checked = saved[id];
    }
  }

  function save() {
    const s = {};
    for (const id of SAVED_FIELDS) s[id] = $(id).value;
    for (const id of SAVED_CHECKS) s[id] = $(id).checked;
    try {
      localStorage.setItem(SAVED_KEY, JSON.stringify(s));
    } catch (e) {
      // private mode or full: not worth a message
    }
  }

  // ------------------------------------------------------------------------------------------ subjects

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.onerror = () => reject(new UserError('Could not read ' + file.name));
      r.readAsDataURL(file);
    });
  }

  function isImage(file) {
    return file && (file.type.startsWith('image/') || /\.(png|jpe?g|gif|bmp|webp)$/i.test(file.name));
  }

  async function addSubjectFiles(files) {
    if (state.info && !state.info.moa) {
      showError(new UserError('No MoA checkpoint is loaded: subject photos need the server started with --moa DIR.'));
      return;
    }
    const max = (state.info && state.info.max_subjects) || 4;
    const list = [...files];
    const skipped = list.filter((f) => !isImage(f));
    const images = list.filter(isImage);
    if (skipped.length) showError(new UserError('Not a picture: ' + skipped.map((f) => f.name).join(', ')));
    for (const f of images) {
      if (state.subjects.length >= max) {
        showError(new UserError('At most ' + max + ' subjects per picture; ' + f.name + ' was not added.', 'subjects'));
        break;
      }
      try {
        const dataUrl = await readFile(f);
        state.subjects.push({id: state.nextId++, name: f.name || 'pasted image', dataUrl, word: ''});
      } catch (e) {
        showError(e);
      }
    }
    refreshSubjects();
    const inputs = $('subject-list').querySelectorAll('.subject-word');
    if (images.length && inputs.length) inputs[inputs.length - 1].focus();
  }

  function wordInPrompt(word) {
    const w = word.trim();
    if (!w) return false;
    const esc = w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp('(^|[^\\p{L}\\p{N}])' + esc + '($|[^\\p{L}\\p{N}])', 'iu').test($('prompt').value);
  }

  function wordHint(s) {
    if (!s.word.trim()) {
      return {text: 'type the word it stands for', kind: 'muted'};
    }
    return wordInPrompt(s.word) ? {text: '✓ in the prompt', kind: 'ok'} : {text: 'not in the prompt yet', kind: 'warn'};
  }

  function subjectRow(s) {
    const hint = el('span', {class: 'word-hint'});
    const setHint = () => {
      const h = wordHint(s);
      hint.textContent = h.text;
      hint.dataset.kind = h.kind;
    };
    const input = el('input', {
      type: 'text', class: 'subject-word', value: s.word, placeholder: 'word, e.g. heart', autocomplete: 'off',
      spellcheck: 'false', 'aria-label': 'word for ' + s.name,
      oninput: (e) => {
        s.word = e.target.value;
        setHint();
        refreshMorph();
        refreshMode();
      },
    });
    setHint();
    s.refreshHint = setHint;
    return el('li', {class: 'subject-row', 'data-id': String(s.id)},
        el('img', {class: 'subject-thumb', src: s.dataUrl, alt: s.name, title: s.name}),
        el('div', {class: 'subject-fields'}, input, hint),
        el('button', {
          type: 'button', class: 'icon-button remove', title: 'Remove ' + s.name, 'aria-label': 'Remove ' + s.name,
          onclick: () => {
            state.subjects = state.subjects.filter((x) => x !== s);
            refreshSubjects();
          },
        }, '×'));
  }

  function refreshSubjects() {
    $('subject-list').replaceChildren(...state.subjects.map(subjectRow));
    $('subject-drop').classList.toggle('has-items', state.subjects.length > 0);
    refreshMorph();
    refreshMode();
  }

  function refreshMode() {
    const moa = state.info && state.info.moa && state.subjects.length > 0;
    $('moa-options').classList.toggle('inactive', !moa);
    $('with-prior').disabled = !moa;
    $('router-maps').disabled = !moa;
    $('keep-background').disabled = !moa;
    let line;
    if (!state.info) line = '';
    else if (moa) line = 'MoA with ' + plural(state.subjects.length, 'subject');
    else line = 'text-to-image (no subjects)';
    $('mode-line').textContent = line;
  }

  // ------------------------------------------------------------------------------------------ requests

  function number(id, label) {
    const raw = $(id).value.trim();
    if (raw === '') throw new UserError(label + ' needs a number.', id);
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new UserError(label + ' needs a number, got ' + raw + '.', id);
    return n;
  }

  function baseRequest() {
    return {
      prompt: $('prompt').value,
      negative_prompt: $('negative').value,
      seed: number('seed', 'Seed'),
      steps: number('steps', 'Steps'),
      cfg_scale: number('cfg', 'Guidance'),
      sampler_name: $('sampler').value,
      width: number('width', 'Width'),
      height: number('height', 'Height'),
    };
  }

  function subjectJson(s) {
    const w = s.word.trim();
    return w ? {word: w, image: s.dataUrl} : {image: s.dataUrl};
  }

  function parseInfo(res) {
    try {
      return typeof res.info === 'string' ? JSON.parse(res.info) : (res.info || {});
    } catch (e) {
      return {};
    }
  }

  function setRunning(on) {
    state.running = on;
    document.body.classList.toggle('running', on);
    $('generate').disabled = on;
    $('morph-generate').disabled = on || !state.morphB;
    $('cancel').disabled = !on;
    $('generate').textContent = on ? 'Generating…' : 'Generate';
  }

  async function run(path, body, label, onResult) {
    if (state.running) return;
    state.running = true;
    state.cancelling = false;
    state.shown = 0;
    setRunning(true);
    setProgress(0);
    setStatus(label + '…', 'busy');
    startPolling();
    const t0 = performance.now();
    try {
      const res = await api('POST', path, body);
      const info = parseInfo(res);
      const secs = (performance.now() - t0) / 1000;
      const count = onResult(res, info);
      const warnings = (info.warnings || []).filter((w) => w !== 'interrupted');
      let text;
      if (info.interrupted) {
        text = 'Interrupted after ' + fmtSeconds(secs) + ': ' + plural(count, 'image') + ' finished.';
        setStatus(text, 'warn');
      } else {
        setProgress(1);
        text = 'Done in ' + fmtSeconds(secs) + ' · ' + plural(count, 'image') +
            (info.seed !== undefined && info.seed >= 0 ? ' · seed ' + info.seed : '');
        setStatus(text, 'ok');
      }
      if (warnings.length) setStatus(text + ' Note: ' + warnings.join('; '), info.interrupted ? 'warn' : 'ok');
    } catch (e) {
      showError(e);
      setProgress(0);
      setStatus(e.status === 503 ? 'The queue is full; nothing was started.' : 'Failed: ' + e.message, 'error');
    } finally {
      stopPolling();
      setRunning(false);
    }
  }

  function generate() {
    if (state.running) return;
    clearError();
    let body;
    const moa = state.info && state.info.moa && state.subjects.length > 0;
    try {
      body = baseRequest();
    } catch (e) {
      showError(e);
      return;
    }
    save();
    const refs = state.subjects.map((s) => ({src: s.dataUrl, word: s.word.trim(), name: s.name}));
    if (moa) {
      body.subjects = state.subjects.map(subjectJson);
      body.with_prior = $('with-prior').checked;
      body.router_maps = $('router-maps').checked;
      if ($('keep-background').checked) body.keep_background = true;
      run('/moa/v1/generate', body, 'Generating with ' + plural(refs.length, 'subject'),
          (res, info) => showResult('moa', body, res, info, refs));
    } else {
      run('/sdapi/v1/txt2img', body, 'Generating', (res, info) => showResult('txt2img', body, res, info, []));
    }
  }

  async function cancel() {
    if (!state.running || state.cancelling) return;
    state.cancelling = true;
    $('cancel').disabled = true;
    setStatus('Stopping after the current step…', 'warn');
    try {
      await api('POST', '/sdapi/v1/interrupt', {});
    } catch (e) {
      showError(e);
    }
  }

  // ------------------------------------------------------------------------------------------ progress

  function startPolling() {
    stopPolling();
    state.pollTimer = setInterval(poll, 250);
    setTimeout(poll, 60);
  }

  function stopPolling() {
    if (state.pollTimer) clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  async function poll() {
    if (state.polling || !state.running) return;
    state.polling = true;
    try {
      const res = await fetch('/sdapi/v1/progress', {cache: 'no-store'});
      if (res.ok && state.running) showProgress(await res.json());
    } catch (e) {
      // the generation request reports failures; a missed poll is harmless
    } finally {
      state.polling = false;
    }
  }

  function showProgress(p) {
    const s = p.state || {};
    if (!s.job) {
      if (p.queued > 0 && !state.cancelling) setStatus('Waiting in the queue (' + p.queued + ' waiting)…', 'busy');
      return;
    }
    state.shown = Math.max(state.shown, Number(p.progress) || 0);
    setProgress(state.shown);
    if (state.cancelling) return;
    const parts = [];
    if (s.sampling_steps > 0) parts.push('step ' + s.sampling_step + '/' + s.sampling_steps);
    if (s.job_count > 1) parts.push('image ' + Math.min(s.job_no + 1, s.job_count) + '/' + s.job_count);
    if (p.eta_relative > 0) parts.push(fmtSeconds(p.eta_relative) + ' left');
    setStatus(Math.round(state.shown * 100) + '% · ' + parts.join(' · '), 'busy');
  }

  // ------------------------------------------------------------------------------------------ results

  function pixelImg(src, cls, alt) {
    const img = el('img', {class: 'pix ' + (cls || ''), src, alt: alt || ''});
    img.addEventListener('load', () => {
      // pixelated only when scaled up (a large picture scaled down looks better smoothed)
      img.classList.toggle('smooth', img.naturalWidth >= 256);
    });
    return img;
  }

  function downloadLink(src, name, text) {
    return el('a', {class: 'download', href: src, download: name, title: 'Download ' + name}, text || '⬇ PNG');
  }

  /** moa-<seed>.png for an image, moa-<seed>-prior.png etc. for the others. */
  function fileName(seed, suffix) {
    return 'moa' + (seed !== null && seed !== undefined && seed >= 0 ? '-' + seed : '') + suffix + '.png';
  }

  function cell(title, content, extra) {
    return el('figure', {class: 'cell'}, content, el('figcaption', {}, el('span', {}, title), extra || null));
  }

  function showResult(kind, body, res, info, refs) {
    const images = res.images || [];
    const priors = res.prior_images || [];
    const maps = res.router_maps || [];
    const labels = res.labels || [];
    const seeds = info.all_seeds || [];
    // (an interrupted run that finished no MoA image reports no seed: the prior's file is then moa-prior.png)
    const fallbackSeed = info.seed !== undefined && info.seed >= 0 ? info.seed : (body.seed >= 0 ? body.seed : null);
    const seedOf = (i) => (seeds[i] !== undefined ? seeds[i] : fallbackSeed);
    const rows = Math.max(images.length, priors.length);
    const results = $('results');
    results.replaceChildren();
    const entryImages = [];
    for (let i = 0; i < rows; i++) {
      const seed = seedOf(i);
      const cells = [];
      if (refs.length) {
        cells.push(cell(refs.length > 1 ? 'references' : 'reference',
            el('div', {class: 'refs refs-' + Math.min(refs.length, 4)},
                refs.map((r) => pixelImg(r.src, 'result-ref', 'reference photo ' + r.name))),
            el('span', {class: 'muted'}, refs.map((r) => r.word || '<|image|>').join(', '))));
      }
      if (priors[i]) {
        const src = PNG + priors[i];
        cells.push(cell('prior', pixelImg(src, 'result-prior', 'the prior\'s image, seed ' + seed),
            downloadLink(src, fileName(seed, '-prior'), '⬇')));
        entryImages.push({src, seed, role: 'prior', name: fileName(seed, '-prior')});
      }
      if (images[i]) {
        const src = PNG + images[i];
        const cls = kind === 'moa' ? 'result-moa' : 'result-image';
        cells.push(cell(kind === 'moa' ? 'MoA' : 'image', pixelImg(src, cls, 'generated image, seed ' + seed),
            downloadLink(src, fileName(seed, ''), '⬇')));
        entryImages.push({src, seed, role: kind === 'moa' ? 'MoA' : 'image', name: fileName(seed, ''),
          infotext: (info.infotexts || [])[i]});
      } else if (kind === 'moa') {
        cells.push(cell('MoA', el('div', {class: 'missing'}, 'not finished')));
      }
      if (maps[i]) {
        const src = PNG + maps[i];
        cells.push(cell('router map', pixelImg(src, 'result-router', 'router map, seed ' + seed),
            downloadLink(src, fileName(seed, '-router'), '⬇')));
        entryImages.push({src, seed, role: 'router map', name: fileName(seed, '-router')});
      }
      const caption = labels[i] || (seed !== null ? 'seed ' + seed : 'prior only (interrupted)');
      results.append(el('div', {class: 'result-row'},
          el('div', {class: 'row-caption'}, caption),
          el('div', {class: 'row-cells'}, cells),
          (info.infotexts || [])[i] ? el('pre', {class: 'infotext'}, info.infotexts[i]) : null));
    }
    if (!rows) {
      results.append(el('div', {class: 'empty-state'},
          el('p', {}, info.interrupted ? 'Interrupted before any image was finished.' : 'The server returned no images.')));
    }
    $('results-note').textContent = kind === 'moa' ? 'reference · prior · MoA · router map' : 'text-to-image';
    addHistory({kind: kind === 'moa' ? 'MoA' : 'txt2img', body, info, images: entryImages, refs});
    return images.length;
  }

  // ------------------------------------------------------------------------------------------ morph

  function morphSubject() {
    const worded = state.subjects.filter((s) => s.word.trim());
    return worded.length === 1 ? worded[0] : null;
  }

  function refreshMorph() {
    const s = morphSubject();
    const section = $('morph-section');
    const show = !!(s && state.info && state.info.moa);
    section.hidden = !show;
    if (!show) return;
    $('morph-word').textContent = s.word.trim();
    $('morph-a').src = s.dataUrl;
    $('morph-generate').disabled = state.running || !state.morphB;
  }

  async function setMorphFile(file) {
    if (!isImage(file)) {
      showError(new UserError('Not a picture: ' + (file ? file.name : '?'), 'morph'));
      return;
    }
    try {
      const dataUrl = await readFile(file);
      state.morphB = {name: file.name, dataUrl};
      $('morph-b').src = dataUrl;
      $('morph-b').hidden = false;
      $('morph-drop').classList.add('has-items');
      $('morph-drop-text').replaceChildren(el('span', {}, 'B: ' + file.name + ' · ',
          el('label', {for: 'morph-file', class: 'link'}, 'change…')));
      refreshMorph();
    } catch (e) {
      showError(e);
    }
  }

  function morph() {
    if (state.running) return;
    clearError();
    const s = morphSubject();
    if (!s) {
      showError(new UserError('Morph needs exactly one subject with a word.', 'subjects'));
      return;
    }
    if (!state.morphB) {
      showError(new UserError('Drop photo B for the morph first.', 'morph'));
      return;
    }
    let body;
    try {
      body = baseRequest();
      body.subjects = state.subjects.filter((x) => x !== s).map(subjectJson);
      body.morph = {word: s.word.trim(), from: s.dataUrl, to: state.morphB.dataUrl,
        frames: number('morph-frames', 'Frames')};
    } catch (e) {
      showError(e);
      return;
    }
    save();
    const refs = [{src: s.dataUrl, word: s.word.trim(), name: s.name},
      {src: state.morphB.dataUrl, word: s.word.trim(), name: state.morphB.name}];
    run('/moa/v1/generate', body, 'Morphing ' + s.word.trim(), (res, info) => showMorph(body, res, info, refs));
  }

  function showMorph(body, res, info, refs) {
    stopMorphPlay();
    const frames = res.images || [];
    const labels = res.labels || [];
    const seed = (info.all_seeds || [])[0] !== undefined ? info.all_seeds[0] : (info.seed >= 0 ? info.seed : body.seed);
    state.morphFrames = frames.map((b64, i) => ({src: PNG + b64, label: labels[i] || 'frame ' + (i + 1),
      infotext: (info.infotexts || [])[i]}));
    const view = $('morph-view');
    view.replaceChildren();
    if (!frames.length) {
      view.append(el('p', {class: 'muted'}, 'No frames finished.'));
      return 0;
    }
    const img = pixelImg(state.morphFrames[0].src, 'morph-frame', 'morph frame');
    img.id = 'morph-frame';
    img.loading = 'eager';
    const label = el('span', {id: 'morph-t', class: 'morph-t'}, state.morphFrames[0].label);
    const slider = el('input', {
      type: 'range', id: 'morph-slider', min: '0', max: String(frames.length - 1), step: '1', value: '0',
      'aria-label': 'morph frame', oninput: (e) => showFrame(Number(e.target.value)),
    });
    const play = el('button', {type: 'button', class: 'secondary small', id: 'morph-play', onclick: toggleMorphPlay},
        '▶ Play');
    const strip = el('div', {class: 'filmstrip'}, state.morphFrames.map((f, i) =>
      el('button', {type: 'button', class: 'frame-thumb', title: f.label, 'data-i': String(i),
        onclick: () => showFrame(i, true)}, pixelImg(f.src, '', f.label))));
    view.append(
        el('div', {class: 'morph-stage'},
            el('figure', {class: 'cell'}, pixelImg(refs[0].src, 'result-ref', 'photo A'), el('figcaption', {}, 'A')),
            el('figure', {class: 'cell big'}, img, el('figcaption', {}, label)),
            el('figure', {class: 'cell'}, pixelImg(refs[1].src, 'result-ref', 'photo B'), el('figcaption', {}, 'B'))),
        el('div', {class: 'morph-scrub'}, el('span', {class: 'muted'}, 'A'), slider, el('span', {class: 'muted'}, 'B'), play),
        strip);
    showFrame(0);
    addHistory({kind: 'Morph', body, info, refs,
      images: state.morphFrames.map((f, i) => ({src: f.src, seed, role: f.label,
        name: fileName(seed, '-morph-' + String(i).padStart(2, '0')), infotext: f.infotext}))});
    return frames.length;
  }

  function showFrame(i, fromStrip) {
    const f = state.morphFrames[i];
    if (!f) return;
    $('morph-frame').src = f.src;
    $('morph-t').textContent = f.label + ' (' + (i + 1) + '/' + state.morphFrames.length + ')';
    if (fromStrip) $('morph-slider').value = String(i);
    for (const b of document.querySelectorAll('.frame-thumb')) b.classList.toggle('current', Number(b.dataset.i) === i);
  }

  function toggleMorphPlay() {
    if (state.morphTimer) {
      stopMorphPlay();
      return;
    }
    $('morph-play').textContent = '❚❚ Pause';
    state.morphTimer = setInterval(() => {
      const s = $('morph-slider');
      if (!s) return stopMorphPlay();
      const n = state.morphFrames.length;
      const i = (Number(s.value) + 1) % n;
      s.value = String(i);
      showFrame(i);
    }, 300);
  }

  function stopMorphPlay() {
    if (state.morphTimer) clearInterval(state.morphTimer);
    state.morphTimer = null;
    if ($('morph-play')) $('morph-play').textContent = '▶ Play';
  }

  // ------------------------------------------------------------------------------------------ history

  function addHistory(entry) {
    if (!entry.images.length) return;
    entry.time = new Date();
    state.history.unshift(entry);
    $('history').prepend(historyItem(entry));
    $('history-empty').hidden = true;
  }

  function historyItem(e) {
    const b = e.body;
    const seed = e.info.seed !== undefined && e.info.seed >= 0 ? e.info.seed : b.seed;
    const time = e.time.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
    const infotexts = e.images.filter((x) => x.infotext).map((x) => x.infotext);
    const reuse = () => {
      $('prompt').value = b.prompt;
      $('negative').value = b.negative_prompt;
      $('seed').value = String(seed);
      $('steps').value = String(b.steps);
      $('cfg').value = String(b.cfg_scale);
      $('sampler').value = b.sampler_name;
      $('width').value = String(b.width);
      $('height').value = String(b.height);
      for (const s of state.subjects) if (s.refreshHint) s.refreshHint();
      setStatus('Settings of ' + time + ' restored (seed ' + seed + ').');
      $('prompt').focus();
    };
    return el('li', {class: 'history-entry'},
        el('div', {class: 'history-head'},
            el('span', {class: 'badge badge-' + e.kind.toLowerCase()}, e.kind),
            el('span', {class: 'history-prompt', title: b.prompt}, b.prompt || '(empty prompt)'),
            e.info.interrupted ? el('span', {class: 'badge badge-warn'}, 'interrupted') : null,
            el('time', {class: 'muted'}, time),
            el('button', {type: 'button', class: 'secondary small', onclick: reuse,
              title: 'Put these settings (and this seed) back into the form'}, 'Reuse settings')),
        el('div', {class: 'history-images'}, e.images.map((x) =>
          el('figure', {class: 'history-image'},
              el('a', {href: x.src, target: '_blank', rel: 'noopener', title: x.role + ', seed ' + (x.seed ?? '?'),
                onclick: (ev) => {
                  ev.preventDefault();
                  openViewer(x);
                }}, pixelImg(x.src, 'history-img', x.role)),
              el('figcaption', {}, el('span', {class: 'muted'}, x.role), downloadLink(x.src, x.name))))),
        infotexts.length ? el('details', {class: 'history-info'}, el('summary', {}, 'Parameters'),
            infotexts.map((t) => el('pre', {class: 'infotext'}, t))) : null);
  }

  function openViewer(x) {
    const dlg = el('dialog', {class: 'viewer', onclose: () => dlg.remove(),
      onclick: (ev) => {
        if (ev.target === dlg) dlg.close();
      }},
    el('img', {src: x.src, alt: x.role, class: 'pix'}),
    el('div', {class: 'viewer-bar'}, el('span', {}, x.role + ' · seed ' + (x.seed ?? '?')), downloadLink(x.src, x.name),
        el('button', {type: 'button', class: 'secondary small', onclick: () => dlg.close()}, 'Close')),
    x.infotext ? el('pre', {class: 'infotext'}, x.infotext) : null);
    document.body.append(dlg);
    dlg.showModal();
  }

  // ------------------------------------------------------------------------------------------ drag and drop

  function hasFiles(ev) {
    return ev.dataTransfer && [...ev.dataTransfer.types].includes('Files');
  }

  function wireDropZone(zone, onFiles) {
    zone.addEventListener('dragover', (ev) => {
      if (!hasFiles(ev)) return;
      ev.preventDefault();
      ev.stopPropagation();
      ev.dataTransfer.dropEffect = 'copy';
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', (ev) => {
      if (!zone.contains(ev.relatedTarget)) zone.classList.remove('dragging');
    });
    zone.addEventListener('drop', (ev) => {
      if (!hasFiles(ev)) return;
      ev.preventDefault();
      ev.stopPropagation();
      zone.classList.remove('dragging');
      state.dragDepth = 0;
      document.body.classList.remove('drag-files');
      onFiles(ev.dataTransfer.files);
    });
  }

  function wirePageDrop() {
    // a photo dropped anywhere else on the page becomes a subject (and never replaces the page)
    window.addEventListener('dragenter', (ev) => {
      if (!hasFiles(ev)) return;
      state.dragDepth++;
      document.body.classList.add('drag-files');
    });
    window.addEventListener('dragleave', (ev) => {
      if (!hasFiles(ev)) return;
      state.dragDepth = Math.max(0, state.dragDepth - 1);
      if (state.dragDepth === 0) document.body.classList.remove('drag-files');
    });
    window.addEventListener('dragover', (ev) => {
      if (!hasFiles(ev)) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'copy';
    });
    window.addEventListener('drop', (ev) => {
      state.dragDepth = 0;
      document.body.classList.remove('drag-files');
      if (!hasFiles(ev)) return;
      ev.preventDefault();
      addSubjectFiles(ev.dataTransfer.files);
    });
    document.addEventListener('paste', (ev) => {
      const files = ev.clipboardData ? [...ev.clipboardData.files].filter(isImage) : [];
      if (!files.length) return;
      ev.preventDefault();
      addSubjectFiles(files);
    });
  }

  // ------------------------------------------------------------------------------------------ wiring

  function init() {
    $('generate').addEventListener('click', generate);
    $('cancel').addEventListener('click', cancel);
    $('morph-generate').addEventListener('click', morph);
    $('error-close').addEventListener('click', clearError);
    $('dice').addEventListener('click', () => {
      $('seed').value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
    });
    $('seed-random').addEventListener('click', () => {
      $('seed').value = '-1';
    });
    $('subject-files').addEventListener('change', (ev) => {
      const files = [...ev.target.files];
      ev.target.value = '';   // the same photo may be chosen again
      addSubjectFiles(files);
    });
    $('morph-file').addEventListener('change', (ev) => {
      const f = ev.target.files[0];
      ev.target.value = '';
      if (f) setMorphFile(f);
    });
    wireDropZone($('subject-drop'), addSubjectFiles);
    wireDropZone($('morph-drop'), (files) => files[0] && setMorphFile(files[0]));
    wirePageDrop();
    $('prompt').addEventListener('input', () => {
      for (const s of state.subjects) if (s.refreshHint) s.refreshHint();
    });
    for (const id of ['prompt', 'negative', 'seed', 'steps', 'cfg', 'width', 'height', 'morph-frames']) {
      $(id).addEventListener('input', () => {
        $(id).classList.remove('invalid');
        $(id).removeAttribute('aria-invalid');
      });
    }
    document.addEventListener('keydown', (ev) => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key === 'Enter') {
        ev.preventDefault();
        generate();
      } else if (ev.key === 'Escape' && !$('error').hidden) {
        clearError();
      }
    });
    setRunning(false);
    setProgress(0);
    loadInfo();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
