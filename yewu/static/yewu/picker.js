// Type-ahead pickers for customers and products (no build step; CSP: no inline handlers).
//
// <select name="customer_id" data-picker="customer"> (or data-picker="product") becomes a search box: typing
// asks the server (customers: /api/v1/customers?q=… by default; products: /api/v1/products/search?q=… — code,
// name, specification, pinyin initials of any part of the name, with the guide price in force today) and a tap
// picks one. A page names its own scoped search with data-picker-url (e.g. the order form: only the customers
// the user may order for). The page sends only the chosen option, never the whole list; the select stays in the
// form as the field that is submitted (without JavaScript the chosen value still posts), and a picked result
// becomes its option, carrying what the page reads from it (data-address, data-invoice, data-guide-price …).
(function () {
  "use strict";
  var API = {customer: "/api/v1/customers", product: "/api/v1/products/search"};
  var HINT = {customer: "输入名称、电话或拼音首字母，如 gzyk", product: "输入编码、品名或拼音首字母，如 YJV、dl"};
  // what an option keeps of a picked result, for the page's own script (dataset name: result field)
  var KEEP = {address: "delivery_address", invoice: "invoice_choice", guidePrice: "guide_price", unit: "unit",
              kind: "kind", kindLabel: "kind_label"};

  function money(s) {
    var n = parseFloat(s);
    return isNaN(n) ? "" : n.toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }

  function label(kind, it) {
    if (kind === "product") return [it.code, it.name, it.specification].filter(Boolean).join(" ");
    return it.name;
  }

  function detail(kind, it) {
    if (kind === "product") {
      var bits = [it.kind_label || ""];
      if (it.guide_price) bits.push("指导价 " + money(it.guide_price) + " 元/" + (it.unit || ""));
      else if (it.guide_price === null) bits.push("无指导价");
      return bits.filter(Boolean).join(" · ");
    }
    var d = [it.city, it.short_name].filter(Boolean);
    if (it.owner && it.owner.name) d.push("负责人 " + it.owner.name);
    else if (it.owner === null) d.push("公海");
    return d.join(" · ");
  }

  function enhance(sel) {
    if (sel.dataset.pickerReady) return;
    sel.dataset.pickerReady = "1";
    var kind = sel.dataset.picker;
    var wrap = document.createElement("div");
    wrap.className = "picker";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "picker-q";
    input.autocomplete = "off";
    input.maxLength = 50;  // the search endpoints refuse longer queries
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-label", sel.getAttribute("aria-label") || (kind === "product" ? "搜索产品" : "搜索客户"));
    input.placeholder = sel.dataset.placeholder || HINT[kind];
    var list = document.createElement("ul");
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var chosen = document.createElement("div");
    chosen.className = "picker-chosen muted small";
    sel.parentNode.insertBefore(wrap, sel);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(chosen);
    wrap.appendChild(sel);
    sel.classList.add("picker-native");
    sel.tabIndex = -1;
    sel.setAttribute("aria-hidden", "true");
    if (sel.required) { input.required = true; sel.required = false; }
    var url = sel.dataset.pickerUrl || API[kind];
    url += (url.indexOf("?") < 0 ? "?" : "&") + "limit=20&q=";
    var known = {};
    Array.prototype.forEach.call(sel.options, function (o) { if (o.value) known[o.value] = o; });
    function fromOption(o) {  // the chosen option rendered by the page, read back as a result
      var it = {id: o.value};
      Object.keys(KEEP).forEach(function (k) { if (k in o.dataset) it[KEEP[k]] = o.dataset[k] || null; });
      return it;
    }
    if (sel.value && sel.selectedOptions[0]) {
      input.value = sel.selectedOptions[0].textContent.trim();
      chosen.textContent = detail(kind, fromOption(sel.selectedOptions[0]));
    }

    var timer = null, seq = 0, items = [], active = -1;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function show(rows, q) {
      list.innerHTML = "";
      items = rows;
      if (!rows.length) {
        var li = document.createElement("li");
        li.className = "picker-empty";
        li.textContent = "没有找到「" + q + "」" + (sel.dataset.pickerUrl ? "（只列出本页可选的）" : "");
        list.appendChild(li);
      }
      rows.forEach(function (it, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.dataset.i = i;
        var b = document.createElement("span");
        b.className = "picker-name";
        b.textContent = label(kind, it);
        var s = document.createElement("span");
        s.className = "picker-sub";
        s.textContent = detail(kind, it);
        li.appendChild(b);
        li.appendChild(s);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function pick(it) {
      var v = String(it.id), opt = known[v];
      if (!opt) {
        opt = document.createElement("option");
        opt.value = v;
        opt.textContent = label(kind, it);
        sel.appendChild(opt);
        known[v] = opt;
      }
      Object.keys(KEEP).forEach(function (k) {
        var f = KEEP[k];
        if (it[f] !== undefined) opt.dataset[k] = it[f] === null ? "" : it[f];
      });
      sel.value = v;
      input.value = label(kind, it);
      chosen.textContent = detail(kind, it);
      close();
      sel.dispatchEvent(new Event("input", {bubbles: true}));
      sel.dispatchEvent(new Event("change", {bubbles: true}));
    }
    function search() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++seq;
      fetch(url + encodeURIComponent(q.slice(0, 50)), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (j) {
          if (mine !== seq) return;
          show((j.items || []).slice(0, 20), q);
        }).catch(function () {});
    }
    input.addEventListener("input", function () {
      if (sel.value) {
        sel.value = "";
        chosen.textContent = "";
        sel.dispatchEvent(new Event("change", {bubbles: true}));
      }
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (e) {
      var lis = list.querySelectorAll("li[role=option]");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!lis.length) return;
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : lis.length - 1)) % lis.length;
        lis.forEach(function (li, i) { li.classList.toggle("active", i === active); });
      } else if (e.key === "Enter" && !list.hidden) {
        e.preventDefault();
        if (active >= 0) pick(items[active]); else if (items.length === 1) pick(items[0]);
      } else if (e.key === "Escape") close();
    });
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    list.addEventListener("click", function (e) {
      var li = e.target.closest("li[role=option]");
      if (li) pick(items[parseInt(li.dataset.i, 10)]);
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    sel.addEventListener("change", function () {  // set by page code (e.g. a reset)
      if (!sel.value) return;
      var o = sel.selectedOptions[0];
      if (o && input.value !== o.textContent.trim()) {
        input.value = o.textContent.trim();
        chosen.textContent = detail(kind, fromOption(o));
      }
    });
  }

  function scan(root) {
    if (root.matches && root.matches("select[data-picker]")) enhance(root);
    if (root.querySelectorAll) Array.prototype.forEach.call(root.querySelectorAll("select[data-picker]"), enhance);
  }
  scan(document);
  new MutationObserver(function (muts) {
    muts.forEach(function (m) { Array.prototype.forEach.call(m.addedNodes, function (n) { if (n.nodeType === 1) scan(n); }); });
  }).observe(document.body, {childList: true, subtree: true});
})();
