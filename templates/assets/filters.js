/* Filters on the commitments index (issue 15).

   Without this script the filter form stays hidden and the page offers links to the static page of
   every filter value. With it: the form shows; the first time a control is used (or the address
   already carries a filter) it fetches filters/commitments.json (compact rows, see
   ogpsite/stages/filters.py); every change narrows the list at once, says how many match in a live
   region, and puts the choice in the address (?member=argentina&status=active), so it can be
   shared and Back returns to the previous choice. Titles come in shards, fetched for the rows shown.
   Served under script-src 'self': no inline code, no eval, text set with textContent only. */
(function () {
  "use strict";
  var root = document.querySelector("section.filters[data-filters]");
  if (!root || !window.fetch || !window.URLSearchParams || !window.history.pushState) {
    return;
  }
  var form = root.querySelector(".filter-controls");
  var statusLine = root.querySelector(".filter-status");
  var results = root.querySelector(".filter-results");
  var more = root.querySelector(".filter-more");
  var staticList = document.querySelector(".filter-static");
  var PAGE = 100;
  // control name -> the facet of the data it filters on
  var FIELDS = { member: "member", cycle: "plan_cycle", status: "status", area: "policy_area", theme: "theme" };
  var NAMES = Object.keys(FIELDS);
  var data = null;
  var loading = null;
  var shards = {};
  var matches = [];
  var shown = 0;
  var generation = 0;

  form.hidden = false;

  function load() {
    if (!loading) {
      loading = fetch(root.getAttribute("data-filters"))
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.json();
        })
        .then(function (json) {
          data = json;
          return json;
        });
    }
    return loading;
  }

  function titles(number) {
    if (!shards[number]) {
      shards[number] = fetch(root.getAttribute("data-titles") + number + ".json").then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      });
    }
    return shards[number];
  }

  function chosen() {
    var state = {};
    NAMES.forEach(function (name) {
      var value = form.elements[name].value;
      if (value) {
        state[name] = value;
      }
    });
    return state;
  }

  function fromAddress() {
    var params = new URLSearchParams(window.location.search);
    var state = {};
    NAMES.forEach(function (name) {
      var value = params.get(name);
      var control = form.elements[name];
      var known = value && Array.prototype.some.call(control.options, function (option) {
        return option.value === value;
      });
      if (known) {
        state[name] = value;
      }
    });
    return state;
  }

  function setControls(state) {
    NAMES.forEach(function (name) {
      form.elements[name].value = state[name] || "";
    });
  }

  function address(state) {
    var params = new URLSearchParams();
    NAMES.forEach(function (name) {
      if (state[name]) {
        params.set(name, state[name]);
      }
    });
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "") + window.location.hash;
  }

  // The rows (positions in data.rows) that match every chosen value.
  function match(state) {
    var facets = data.facets;
    var wanted = {};
    NAMES.forEach(function (name) {
      if (state[name]) {
        var values = name === "cycle" ? facets.plan_cycle.map(String) : facets[FIELDS[name]];
        wanted[name] = values.indexOf(state[name]);
      }
    });
    var out = [];
    data.rows.forEach(function (row, position) {
      // row: [id, member, plan, status, [policy areas], [themes]]
      if ("member" in wanted && row[1] !== wanted.member) return;
      if ("cycle" in wanted && (row[2] < 0 || String(facets.plan_cycle[row[2]]) !== state.cycle)) return;
      if ("status" in wanted && row[3] !== wanted.status) return;
      if ("area" in wanted && row[4].indexOf(wanted.area) < 0) return;
      if ("theme" in wanted && row[5].indexOf(wanted.theme) < 0) return;
      out.push(position);
    });
    return out;
  }

  function say(count) {
    var text;
    if (count === 0) {
      text = root.getAttribute("data-count-none");
    } else {
      text = root.getAttribute(count === 1 ? "data-count-one" : "data-count-other").replace("{n}", count.toLocaleString(document.documentElement.lang));
    }
    statusLine.textContent = text;
  }

  function showMore(run) {
    var next = matches.slice(shown, shown + PAGE);
    var size = data.shard_size;
    var needed = {};
    next.forEach(function (position) {
      needed[Math.floor(position / size)] = true;
    });
    var numbers = Object.keys(needed).map(Number);
    return Promise.all(numbers.map(titles)).then(function (loaded) {
      if (run !== generation) {
        return; // a newer choice replaced this one while the titles loaded
      }
      var byNumber = {};
      numbers.forEach(function (number, i) {
        byNumber[number] = loaded[i];
      });
      var base = root.getAttribute("data-commitments");
      next.forEach(function (position) {
        var row = data.rows[position];
        var item = document.createElement("li");
        item.className = "record-item";
        var link = document.createElement("a");
        link.href = base + row[0].toLowerCase() + "/";
        var id = document.createElement("span");
        id.className = "record-id";
        id.textContent = row[0];
        link.appendChild(id);
        link.appendChild(document.createTextNode(" " + byNumber[Math.floor(position / size)][position % size]));
        item.appendChild(link);
        results.appendChild(item);
      });
      shown += next.length;
      more.hidden = shown >= matches.length;
    });
  }

  function apply(state) {
    var run = ++generation;
    if (NAMES.every(function (name) { return !state[name]; })) {
      results.hidden = true;
      more.hidden = true;
      results.textContent = "";
      if (staticList) staticList.hidden = false;
      statusLine.textContent = data || loading ? root.getAttribute("data-count-all") : "";
      return Promise.resolve();
    }
    return load()
      .then(function () {
        if (run !== generation) return;
        matches = match(state);
        shown = 0;
        results.textContent = "";
        results.hidden = false;
        if (staticList) staticList.hidden = true;
        say(matches.length);
        return showMore(run);
      })
      .catch(function () {
        statusLine.textContent = root.getAttribute("data-error");
        if (staticList) staticList.hidden = false;
        results.hidden = true;
      });
  }

  form.addEventListener("focusin", function () {
    load().catch(function () {}); // the reader is about to choose: start fetching
  });
  form.addEventListener("change", function () {
    var state = chosen();
    window.history.pushState(state, "", address(state));
    apply(state);
  });
  form.addEventListener("reset", function () {
    window.setTimeout(function () {
      var state = {};
      window.history.pushState(state, "", address(state));
      apply(state);
    }, 0);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  more.addEventListener("click", function () {
    showMore(generation);
  });
  window.addEventListener("popstate", function () {
    var state = fromAddress();
    setControls(state);
    apply(state);
  });

  var initial = fromAddress();
  if (NAMES.some(function (name) { return initial[name]; })) {
    setControls(initial);
    apply(initial);
  }
})();
