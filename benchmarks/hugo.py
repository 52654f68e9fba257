"""Hugo as the peer of the build benchmark: the same generated corpus as a Hugo site.

`convert(content, target)` turns a content/ folder (as benchmarks/corpus.py writes it) into a Hugo
site with the layout the scale issue compares against: one page per commitment (and event, story,
theme) per language, themes, policy areas and members as taxonomies, paginated section and term
lists (100 a page, as ogpsite's commitment listings), a JSON list of every record per language,
plus Hugo's own RSS feeds and sitemap. A Spanish text that is missing is published from the
English one, as ogpsite falls back to it, so both sites have the same pages. The configuration and
templates below are ours, kept small: Hugo renders what a plain theme would.

    python -m benchmarks.hugo CONTENT_DIR HUGO_SITE_DIR     (then: hugo --source HUGO_SITE_DIR)

`hugo_command()` is None when `hugo` is not installed (Debian: `apt-get install hugo`).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import yaml

LANGUAGES = ("en", "es")
SECTIONS = ("commitments", "events", "stories", "themes")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there: 30,000 files
# The parts of a commitment's text, in the order its page shows them, with their headings.
COMMITMENT_PARTS = {
    "problem": ("Problem", "Problema"),
    "commitment": ("Commitment", "Compromiso"),
    "contribution": ("Contribution", "Contribución"),
    "relevance": ("Relevance", "Relevancia"),
    "additional": ("Additional information", "Información adicional"),
}

CONFIG = """\
baseURL = "https://ogp-americas.example.org/"
title = "Open Government in the Americas"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = true
disableHugoGeneratorInject = true
enableRobotsTXT = false
paginate = 100

[taxonomies]
theme = "themes_tax"
policy_area = "policy_areas"
member = "members"

[outputs]
home = ["HTML", "RSS", "JSON"]

[languages.en]
languageName = "English"
contentDir = "content/en"
weight = 1
title = "Open Government in the Americas"

[languages.es]
languageName = "Español"
contentDir = "content/es"
weight = 2
title = "Gobierno Abierto en las Américas"

[markup.goldmark.renderer]
unsafe = false
"""

LAYOUTS = {
    "_default/baseof.html": """\
<!doctype html>
<html lang="{{ .Site.Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ .Site.Title }}</title>
{{ with .Description }}<meta name="description" content="{{ . }}">{{ end }}
<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}
</head>
<body>
<header>
<a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
<nav>{{ range .Site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</nav>
<nav class="languages">{{ range .Translations }}
<a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a>{{ end }}</nav>
</header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ .Site.Title }}</footer>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}
<article class="record {{ .Section }}">
<h1>{{ .Title }}</h1>
{{ with .Params.summary }}<p class="summary">{{ . }}</p>{{ end }}
<dl class="facts">
{{ with .Params.record_id }}<dt>ID</dt><dd>{{ . }}</dd>{{ end }}
{{ with .Params.status }}<dt>Status</dt><dd>{{ . }}</dd>{{ end }}
{{ with .Params.action_plan }}<dt>Action plan</dt><dd>{{ . }}</dd>{{ end }}
{{ with .Params.date }}<dt>Date</dt><dd>{{ . }}</dd>{{ end }}
</dl>
{{ range $taxonomy, $_ := .Site.Taxonomies }}{{ with $.GetTerms $taxonomy }}
<ul class="{{ $taxonomy }}">{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ end }}{{ end }}
{{ .Content }}
</article>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul class="records">
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ with .Params.summary }} <span>{{ . }}</span>{{ end }}</li>
{{ end }}
</ul>
{{ template "_internal/pagination.html" . }}
{{ end }}
""",
    "_default/terms.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
""",
    "index.html": """\
{{ define "main" }}
<h1>{{ .Site.Title }}</h1>
<ul>{{ range first 10 (where .Site.RegularPages "Section" "stories") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
""",
    "index.json": """\
{{- $records := slice -}}
{{- range .Site.RegularPages -}}
{{- $record := dict "url" .Permalink "section" .Section "title" .Title "summary" (.Params.summary | default "") -}}
{{- $record = merge $record (dict "themes" (.Params.themes_tax | default slice) "policy_areas" (.Params.policy_areas | default slice)) -}}
{{- $records = $records | append (merge $record (dict "member" (.Params.members | default slice))) -}}
{{- end -}}
{{- $records | jsonify -}}
""",
}


def hugo_command() -> str | None:
    return shutil.which("hugo")


def _front_and_body(text: str) -> tuple[dict[str, object], str]:
    """A record text's YAML front matter and Markdown body."""
    _, front, body = text.split("---\n", 2)
    return yaml.load(front, Loader=_LOADER) or {}, body


def _page(facts: dict[str, object], text: dict[str, object], body: str, section: str, lang: str) -> str:
    """One Hugo content file: JSON front matter, then the Markdown the page shows."""
    front: dict[str, object] = {"title": text.get("title", ""), "summary": text.get("summary", "")}
    parts = []
    if section == "commitments":
        front.update(
            record_id=facts.get("id"),
            status=facts.get("status"),
            action_plan=facts.get("action_plan"),
            themes_tax=facts.get("themes", []),
            policy_areas=facts.get("policy_areas", []),
            members=[facts.get("member")],
        )
        for key, (en, es) in COMMITMENT_PARTS.items():
            if text.get(key):
                parts.append(f"## {en if lang == 'en' else es}\n\n{text[key]}")
    elif section in ("events", "stories"):
        front["themes_tax"] = facts.get("themes", [])
        front["members"] = [facts.get("country")]
        if facts.get("start") or facts.get("date"):
            front["date"] = str(facts.get("start") or facts.get("date"))
    else:
        front["weight"] = facts.get("order", 0)
    parts.append(body)
    return json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + "\n\n".join(parts)


def convert(content: Path, target: Path) -> Path:
    """Write the Hugo site for `content` into `target` (replaced); returns `target`."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (target / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in LAYOUTS.items():
        path = target / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    titles = {"commitments": ("Commitments", "Compromisos"), "events": ("Events", "Eventos"), "stories": ("Stories", "Historias")}
    titles["themes"] = ("Themes", "Temas")
    for lang in LANGUAGES:
        for section in SECTIONS:
            folder = target / "content" / lang / section
            folder.mkdir(parents=True)
            title = titles[section][LANGUAGES.index(lang)]
            (folder / "_index.md").write_text(json.dumps({"title": title}) + "\n", encoding="utf-8")
    for section in SECTIONS:
        for record in sorted((content / section).iterdir()):
            facts_file = record / "facts.yaml"
            facts = yaml.load(facts_file.read_text(encoding="utf-8"), Loader=_LOADER) if facts_file.exists() else {}
            english = record / "en.md"
            for lang in LANGUAGES:
                source = record / f"{lang}.md"
                text, body = _front_and_body((source if source.exists() else english).read_text(encoding="utf-8"))
                page = _page(facts or {}, text, body, section, lang)
                (target / "content" / lang / section / f"{record.name}.md").write_text(page, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("content", type=Path, help="a content/ folder (benchmarks/corpus.py)")
    parser.add_argument("target", type=Path, help="the Hugo site to write (replaced)")
    args = parser.parse_args(argv)
    convert(args.content, args.target)
    print(f"wrote a Hugo site to {args.target}; build it with: hugo --source {args.target}")


if __name__ == "__main__":
    main()
