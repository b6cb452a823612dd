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
 *   sticky     - on the map, the row labels stay put when the grid scrolls sideways.
 *
 * The result is written as one line of JSON into <pre id="layout-result"> and, when the page is
 * framed (headless Chromium has no window narrower than 500 px, so the harness holds the page in
 * an iframe of the tested width), posted to the parent page.
 */
(function () {
  'use strict';
  var MIN_PX = 12;

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
        if (!vb || !(vb.width > 0)) { badSvg.push('no viewBox'); } else if (r.right > width + 1) { badSvg.push('reaches ' + Math.round(r.right) + ' px'); }
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
