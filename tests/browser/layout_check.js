/* Layout self-test injected into a copy of a peerstat page (evaluation report or evidence-and-gap
 * map) by tests/browser/layout_selftest.sh, run in headless Chromium at a given window width.
 *
 * Checks:
 *   overflow   - the page does not scroll sideways: documentElement.scrollWidth <= innerWidth + 1
 *                (wide tables and the map grid scroll inside their own containers);
 *   font_size  - every visible HTML element with its own text has a computed font-size >= 12 px;
 *   svg_font   - every SVG text is >= 12 px in the plot's own units (its drawn size at full width;
 *                the smallest drawn size at this width is reported as svg_min_drawn_px);
 *   svg_scale  - every inline SVG has a viewBox and fits its container (no fixed pixel width
 *                wider than the page);
 *   sticky     - on the map, the row labels stay put when the grid scrolls sideways;
 *   svg_drawn  - every visible SVG text is drawn at >= 10 px on screen, MEASURED: its computed
 *                font-size times the scale of its screen transformation matrix (getScreenCTM,
 *                which includes the viewBox scaling), cross-checked against the height of its
 *                bounding box (getBoundingClientRect); plots that would shrink below that keep
 *                a minimum width and scroll sideways in their own box;
 *   sof_cards  - report: at <= 600 px each summary-of-findings row is one card (display block)
 *                with every cell inside the window and labelled with its column; wider, a table
 *                whose last column ("What it means") is inside the window;
 *   toc        - report: a contents list whose first entry is the summary of findings, whose
 *                links all lead to a section, sticky at >= 1100 px;
 *   egm_fit    - map: the caption is not cut off by the grid's box, and on a desktop (>= 1000 px)
 *                every column (the last one, costs in the demo) is inside the grid's box without
 *                scrolling.
 *
 * The result is written as one line of JSON into <pre id="layout-result"> and, when the page is
 * framed (headless Chromium has no window narrower than 500 px, so the harness holds the page in
 * an iframe of the tested width), posted to the parent page.
 */
(function () {
  'use strict';
  var MIN_PX = 12;
  var MIN_DRAWN_PX = 10;

  function ownText(e) {
    for (var n = e.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3 && n.nodeValue.trim() !== '') { return n.nodeValue.trim(); }
    }
    return '';
  }
  function visible(e) {
    var cs = getComputedStyle(e);
    if (cs.visibility === 'hidden' || cs.display === 'none' || parseFloat(cs.opacity) === 0) { return false; }
    var r = e.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  }
  function describe(e) {
    var s = e.tagName.toLowerCase();
    if (e.id) { s += '#' + e.id; }
    if (typeof e.className === 'string' && e.className) { s += '.' + e.className.trim().split(/\s+/).join('.'); }
    return s;
  }

  /* The nearest ancestor of e that scrolls sideways, or null. */
  function scrollBox(e) {
    for (var p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      var ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll') { return p; }
    }
    return null;
  }

  /* Measured drawn size of every visible SVG text: computed font-size x the screen CTM scale. */
  function checkDrawnSvgText(checks, errors) {
    var n = 0;
    var minDrawn = Infinity;
    var minBox = Infinity;
    var small = [];
    Array.prototype.forEach.call(document.querySelectorAll('svg text'), function (t) {
      if (!t.textContent.trim() || !visible(t)) { return; }
      var ctm = t.getScreenCTM();
      if (!ctm) { return; }
      n += 1;
      var drawn = parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(Math.abs(ctm.a * ctm.d - ctm.b * ctm.c));
      var box = t.getBoundingClientRect().height;
      minDrawn = Math.min(minDrawn, drawn);
      minBox = Math.min(minBox, box);
      /* The glyph box of a text is taller than its font size: a box below the limit is too small too. */
      if (drawn < MIN_DRAWN_PX - 0.05 || box < MIN_DRAWN_PX - 0.05) {
        small.push('"' + t.textContent.trim().slice(0, 30) + '" ' + (Math.round(drawn * 10) / 10) + 'px');
      }
    });
    checks.svg_drawn = { svg_texts: n, min_drawn_px: n ? Math.round(minDrawn * 100) / 100 : null, min_box_px: n ? Math.round(minBox * 100) / 100 : null, too_small: small.length, pass: small.length === 0 };
    if (small.length) { errors.push('svg_drawn: ' + small.length + ' SVG texts drawn below ' + MIN_DRAWN_PX + ' px, e.g. ' + small.slice(0, 5).join('; ')); }
  }

  /* The summary of findings: one card per outcome on a phone, a whole table on a desktop. */
  function checkSofCards(checks, errors, width) {
    var table = document.querySelector('table.sof');
    if (!table) { return; }
    var rows = Array.prototype.filter.call(table.querySelectorAll('tr'), function (r) { return r.querySelector('td'); });
    var bad = [];
    var narrow = width <= 600;
    rows.forEach(function (r) {
      var display = getComputedStyle(r).display;
      if (narrow && display !== 'block') { bad.push('row ' + (r.getAttribute('data-domain') || '?') + ' is ' + display + ', not a card'); }
      if (!narrow && display !== 'table-row') { bad.push('row ' + (r.getAttribute('data-domain') || '?') + ' is ' + display + ' on a wide screen'); }
      Array.prototype.forEach.call(r.querySelectorAll('td'), function (td, i) {
        var rc = td.getBoundingClientRect();
        if (rc.right > width + 1 || rc.left < -1) { bad.push('cell ' + (i + 1) + ' of ' + (r.getAttribute('data-domain') || '?') + ' spans ' + Math.round(rc.left) + '-' + Math.round(rc.right) + ' px'); }
        if (narrow && i > 0) {
          var label = getComputedStyle(td, '::before').content;
          if (!label || label === 'none' || label === 'normal' || label === '""') { bad.push('cell ' + (i + 1) + ' of ' + (r.getAttribute('data-domain') || '?') + ' has no label'); }
        }
      });
    });
    checks.sof_cards = { rows: rows.length, layout: narrow ? 'cards' : 'table', pass: rows.length > 0 && bad.length === 0 };
    if (!rows.length) { errors.push('sof_cards: no rows in the summary of findings'); }
    if (bad.length) { errors.push('sof_cards: ' + bad.slice(0, 5).join('; ')); }
  }

  /* The report's contents list. */
  function checkToc(checks, errors, width) {
    if (!document.querySelector('table.sof')) { return; }
    var nav = document.querySelector('nav.toc');
    var links = nav ? nav.querySelectorAll('a[href^="#"]') : [];
    var bad = [];
    if (!nav) { bad.push('no contents list'); }
    Array.prototype.forEach.call(links, function (a) {
      if (!document.getElementById(a.getAttribute('href').slice(1))) { bad.push(a.getAttribute('href') + ' leads nowhere'); }
    });
    if (links.length && links[0].getAttribute('href') !== '#sof') { bad.push('first entry is ' + links[0].getAttribute('href') + ', not the summary of findings'); }
    var position = nav ? getComputedStyle(nav).position : null;
    if (width >= 1100 && position !== 'sticky') { bad.push('not sticky at ' + width + ' px'); }
    checks.toc = { entries: links.length, position: position, pass: links.length > 0 && bad.length === 0 };
    if (bad.length) { errors.push('toc: ' + bad.join('; ')); }
  }

  /* The map: caption not cut off; on a desktop every column inside the grid's box. */
  function checkEgmFit(checks, errors, width) {
    var wrap = document.getElementById('grid-wrap');
    var grid = document.getElementById('egm-grid');
    if (!wrap || !grid) { return; }
    var bad = [];
    var w = wrap.getBoundingClientRect();
    var cap = document.getElementById('grid-caption') || grid.querySelector('caption');
    if (!cap) { bad.push('no caption'); } else {
      var c = cap.getBoundingClientRect();
      if (c.right > w.right + 1 || c.left < w.left - 1 || c.right > width + 1) { bad.push('caption spans ' + Math.round(c.left) + '-' + Math.round(c.right) + ' px, box ' + Math.round(w.left) + '-' + Math.round(w.right)); }
      if (cap.scrollWidth > cap.clientWidth + 1) { bad.push('caption text overflows its box'); }
    }
    var heads = grid.querySelectorAll('thead th');
    var last = heads[heads.length - 1];
    var lastRight = last ? last.getBoundingClientRect().right : null;
    if (width >= 1000 && last && (lastRight > w.right + 1 || lastRight > width + 1)) { bad.push('last column "' + last.textContent.trim().slice(0, 20) + '" ends at ' + Math.round(lastRight) + ' px, past the box (' + Math.round(w.right) + ' px)'); }
    checks.egm_fit = { last_column_right: lastRight === null ? null : Math.round(lastRight), box_right: Math.round(w.right), pass: bad.length === 0 };
    if (bad.length) { errors.push('egm_fit: ' + bad.join('; ')); }
  }

  function run() {
    var checks = {};
    var errors = [];
    var width = window.innerWidth;
    try {
      var sw = document.documentElement.scrollWidth;
      checks.overflow = { inner_width: width, scroll_width: sw, pass: sw <= width + 1 };
      if (!checks.overflow.pass) {
        /* Name the widest element that reaches past the window. */
        var worst = null;
        var worstRight = width;
        Array.prototype.forEach.call(document.body.querySelectorAll('*'), function (e) {
          var r = e.getBoundingClientRect();
          if (r.right > worstRight + 1) { worstRight = r.right; worst = e; }
        });
        errors.push('overflow: page is ' + sw + ' px wide in a ' + width + ' px window' +
          (worst ? ' (widest: ' + describe(worst) + ', right edge ' + Math.round(worstRight) + ' px)' : ''));
      }

      var small = [];
      var nText = 0;
      var minPx = Infinity;
      var svgSmall = [];
      var nSvgText = 0;
      var svgMinDrawn = Infinity;
      Array.prototype.forEach.call(document.body.querySelectorAll('*'), function (e) {
        var t = ownText(e);
        if (!t || e.tagName === 'SCRIPT' || e.tagName === 'STYLE' || e.tagName === 'TITLE' || e.id === 'layout-result') { return; }
        if (!visible(e)) { return; }
        var px = parseFloat(getComputedStyle(e).fontSize);
        var svg = e.ownerSVGElement;
        if (svg) {
          nSvgText += 1;
          var vb = svg.viewBox && svg.viewBox.baseVal;
          var scale = vb && vb.width > 0 ? svg.getBoundingClientRect().width / vb.width : 1;
          svgMinDrawn = Math.min(svgMinDrawn, px * scale);
          if (px < MIN_PX - 0.01) { svgSmall.push(describe(e) + ' "' + t.slice(0, 30) + '" ' + px + 'px'); }
          return;
        }
        nText += 1;
        minPx = Math.min(minPx, px);
        if (px < MIN_PX - 0.01) { small.push(describe(e) + ' "' + t.slice(0, 30) + '" ' + px + 'px'); }
      });
      checks.font_size = { text_elements: nText, min_px: nText ? minPx : null, too_small: small.length, pass: nText > 0 && small.length === 0 };
      if (nText === 0) { errors.push('font_size: no visible text found'); }
      if (small.length) { errors.push('font_size: ' + small.length + ' text elements below ' + MIN_PX + ' px, e.g. ' + small.slice(0, 5).join('; ')); }
      checks.svg_font = { svg_texts: nSvgText, svg_min_drawn_px: nSvgText ? Math.round(svgMinDrawn * 10) / 10 : null, too_small: svgSmall.length, pass: svgSmall.length === 0 };
      if (svgSmall.length) { errors.push('svg_font: ' + svgSmall.length + ' SVG texts below ' + MIN_PX + ' px, e.g. ' + svgSmall.slice(0, 5).join('; ')); }

      var svgs = document.querySelectorAll('svg');
      var badSvg = [];
      Array.prototype.forEach.call(svgs, function (s) {
        if (s.ownerSVGElement) { return; }
        var vb = s.viewBox && s.viewBox.baseVal;
        var r = s.getBoundingClientRect();
        /* A plot wider than the page is fine inside a box that scrolls sideways (and itself fits). */
        var box = scrollBox(s);
        var right = box ? box.getBoundingClientRect().right : r.right;
        if (!vb || !(vb.width > 0)) { badSvg.push('no viewBox'); } else if (right > width + 1) { badSvg.push('reaches ' + Math.round(right) + ' px'); }
      });
      checks.svg_scale = { svgs: svgs.length, pass: badSvg.length === 0 };
      if (badSvg.length) { errors.push('svg_scale: ' + badSvg.join('; ')); }

      var wrap = document.getElementById('grid-wrap');
      var rowHead = document.querySelector('#egm-grid tbody th');
      if (wrap && rowHead) {
        var cs = getComputedStyle(rowHead);
        var before = rowHead.getBoundingClientRect().left;
        var wrapLeft = wrap.getBoundingClientRect().left;
        wrap.scrollLeft = 10000;
        var scrolled = wrap.scrollLeft;
        var after = rowHead.getBoundingClientRect().left;
        wrap.scrollLeft = 0;
        var ok = cs.position === 'sticky' && Math.abs(after - before) < 1 && after >= wrapLeft - 1;
        checks.sticky = { position: cs.position, scrolled_px: scrolled, label_left_before: before, label_left_after: after, pass: ok };
        if (!ok) { errors.push('sticky: row labels moved from ' + before + ' to ' + after + ' px when the grid scrolled ' + scrolled + ' px'); }
      }
      checkDrawnSvgText(checks, errors);
      checkSofCards(checks, errors, width);
      checkToc(checks, errors, width);
      checkEgmFit(checks, errors, width);
    } catch (e) {
      errors.push('layout check exception: ' + (e && e.message ? e.message : String(e)));
    }
    var all = Object.keys(checks).every(function (k) { return checks[k].pass === true; });
    var pre = document.createElement('pre');
    pre.id = 'layout-result';
    pre.textContent = JSON.stringify({ ok: all && errors.length === 0, width: width, errors: errors, checks: checks });
    pre.style.display = 'none';
    document.body.appendChild(pre);
    /* In the harness the page sits in an iframe of the tested width: hand the result up. */
    if (window.parent && window.parent !== window) { window.parent.postMessage(pre.textContent, '*'); }
  }

  function later() { setTimeout(run, 50); }
  if (document.readyState === 'complete') { later(); } else { window.addEventListener('load', later); }
})();
