"""A deterministic, realistic content/ folder of any size, for benchmarks and scale tests.

`generate(target, n)` writes N commitments (English and Spanish, ~3 KB of Markdown per language
with headings and lists) spread over the sample site's seven themes, twelve members and their
action plans, plus events and stories (a few hundred at N = 10,000). Each record is generated from
its own seeded random stream, so record k is the same whatever N is, and two runs are identical.

Two vocabularies (`vocabulary=`):

* "realistic" (the default, used by every benchmark): word forms drawn from wordfreq's English and
  Spanish frequency lists (shipped with the package, read offline) with their own Zipf-like
  frequencies, inflections and accents, mixed with the domain words below, so a search index sees
  what real text gives it: tens of thousands of distinct terms at 10,000 records, a few very common
  ones and a long tail of rare ones.
* "small": the ~100 domain words per language alone (the generator before issue 13; nearly every
  term is in nearly every record), kept for comparison.

    python -m benchmarks.corpus OUT_DIR [-n 10000] [--seed 2017] [--vocabulary realistic|small]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path

SAMPLE_CONTENT = Path(__file__).resolve().parent.parent / "content"

MEMBERS = [
    ("argentina", "AR", "Argentina", "Argentina"),
    ("brazil", "BR", "Brazil", "Brasil"),
    ("canada", "CA", "Canada", "Canadá"),
    ("chile", "CL", "Chile", "Chile"),
    ("colombia", "CO", "Colombia", "Colombia"),
    ("costa-rica", "CR", "Costa Rica", "Costa Rica"),
    ("dominican-republic", "DO", "Dominican Republic", "República Dominicana"),
    ("ecuador", "EC", "Ecuador", "Ecuador"),
    ("guatemala", "GT", "Guatemala", "Guatemala"),
    ("mexico", "MX", "Mexico", "México"),
    ("paraguay", "PY", "Paraguay", "Paraguay"),
    ("uruguay", "UY", "Uruguay", "Uruguay"),
]
CYCLES = (2013, 2015, 2017, 2019, 2021)
THEMES = ("anti-corruption", "citizen-participation", "civic-tech", "cocreation", "open-state", "sdgs", "subnational")
POLICY_AREAS = (
    "access-to-information",
    "anti-corruption",
    "capacity-building",
    "e-government",
    "fiscal-openness",
    "gender",
    "legislation-regulation",
    "open-parliaments",
    "public-participation",
    "subnational",
)
INSTITUTION_KINDS = ("government", "civil-society", "legislature", "judiciary")

EN_WORDS = """
government open data public access information citizens participation transparency accountability
municipal provincial national local agency ministry portal budget procurement contract service
digital platform standard training network civil society organisation dialogue forum council
commitment plan policy reform law regulation register report audit monitoring evaluation
community women youth indigenous rural health education justice environment water energy
infrastructure climate gender inclusion integrity corruption lobbying beneficial ownership
spending revenue tax extractive mining land housing transport security police court
legislature parliament judiciary records archive request response publish collect review
improve strengthen promote develop implement design create expand support coordinate ensure
""".split()
ES_WORDS = """
gobierno datos abiertos acceso información pública ciudadanía participación transparencia
rendición cuentas municipio provincia nacional local agencia ministerio portal presupuesto
compras contrataciones servicio digital plataforma estándar capacitación red sociedad civil
organización diálogo foro consejo compromiso plan política reforma ley regulación registro
informe auditoría monitoreo evaluación comunidad mujeres jóvenes indígenas rural salud
educación justicia ambiente agua energía infraestructura clima género inclusión integridad
corrupción cabildeo beneficiarios finales gasto ingresos impuestos minería tierra vivienda
transporte seguridad policía tribunal legislatura parlamento poder judicial archivo solicitud
respuesta publicar recopilar revisar mejorar fortalecer promover desarrollar implementar diseñar
crear ampliar apoyar coordinar garantizar participacion informacion
""".split()
VOCABULARIES = ("realistic", "small")
FREQUENT_WORDS = 60_000  # word forms taken from each wordfreq list, most frequent first
DOMAIN_SHARE = 0.2  # of the words of a realistic text, the share drawn from the domain words


@dataclass(frozen=True)
class Vocabulary:
    """Draws the words of generated text: `draw(rng, k)` returns k words."""

    name: str
    domain: tuple[str, ...]
    frequent: tuple[str, ...] = ()  # empty: domain words only
    cumulative: tuple[float, ...] = ()  # running total of the frequent words' frequencies

    def draw(self, rng: random.Random, k: int) -> list[str]:
        if not self.frequent:
            return [rng.choice(self.domain) for _ in range(k)]
        words = rng.choices(self.frequent, cum_weights=self.cumulative, k=k)
        for i in range(k):
            if rng.random() < DOMAIN_SHARE:
                words[i] = rng.choice(self.domain)
        return words


@cache
def vocabulary(lang: str, name: str = "realistic") -> Vocabulary:
    """The words of one language: the domain list alone ("small"), or with wordfreq's ("realistic")."""
    domain = tuple(EN_WORDS if lang == "en" else ES_WORDS)
    if name == "small":
        return Vocabulary(name, domain)
    if name != "realistic":
        raise ValueError(f"unknown vocabulary {name!r}: use one of {', '.join(VOCABULARIES)}")
    import wordfreq  # a test/benchmark dependency only

    words = [w for w in wordfreq.top_n_list(lang, FREQUENT_WORDS, wordlist="large") if w.isalpha()]
    weights = [wordfreq.word_frequency(w, lang, wordlist="large") for w in words]
    return Vocabulary(name, domain, tuple(words), tuple(accumulate(weights)))


HEADINGS = {
    "en": ["Background", "Expected results", "Milestones", "Who is involved", "Next steps"],
    "es": ["Antecedentes", "Resultados esperados", "Hitos", "Quiénes participan", "Próximos pasos"],
}


def _sentence(rng: random.Random, words: Vocabulary, low: int = 8, high: int = 18) -> str:
    chosen = words.draw(rng, rng.randint(low, high))
    if rng.random() < 0.3:
        chosen[rng.randrange(len(chosen))] = "**" + chosen[rng.randrange(len(chosen))] + "**"
    text = " ".join(chosen)
    return text[:1].upper() + text[1:] + "."


def _paragraph(rng: random.Random, words: Vocabulary, sentences: tuple[int, int] = (3, 5)) -> str:
    lines, line = [], ""
    for word in " ".join(_sentence(rng, words) for _ in range(rng.randint(*sentences))).split():
        if len(line) + len(word) > 95:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def _list(rng: random.Random, words: Vocabulary) -> str:
    return "\n".join(f"- {_sentence(rng, words, 5, 10)}" for _ in range(rng.randint(3, 6)))


def _block(text: str) -> str:
    """A YAML literal block scalar, indented under its key."""
    return "|\n" + "\n".join(("  " + line) if line else "" for line in text.split("\n"))


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def _title(rng: random.Random, words: Vocabulary) -> str:
    text = " ".join(words.draw(rng, rng.randint(3, 7)))
    return text[:1].upper() + text[1:]


def commitment_text(rng: random.Random, lang: str, words: Vocabulary | None = None) -> str:
    words = words or vocabulary(lang, "small")
    heads = HEADINGS[lang]
    sections = {
        "problem": f"{_paragraph(rng, words)}\n\n{_paragraph(rng, words)}",
        "commitment": f"{_paragraph(rng, words, (2, 3))}\n\n{_list(rng, words)}",
        "contribution": f"{_paragraph(rng, words, (2, 4))}\n\n### {heads[1]}\n\n{_list(rng, words)}",
        "relevance": _paragraph(rng, words, (2, 4)),
        "additional": _paragraph(rng, words, (1, 3)),
    }
    front = [f"title: {_q(_title(rng, words))}", f"summary: {_q(_sentence(rng, words, 12, 24))}"]
    front += [f"{key}: {_block(value)}" for key, value in sections.items()]
    body = f"## {heads[2]}\n\n{_list(rng, words)}\n"
    return "---\n" + "\n".join(front) + "\n---\n" + body


def _record_text(rng: random.Random, words: Vocabulary, lang: str, extra: dict[str, str] | None = None, paragraphs: int = 4) -> str:
    front = [f"title: {_q(_title(rng, words))}", f"summary: {_q(_sentence(rng, words, 12, 24))}"]
    front += [f"{key}: {_q(value)}" for key, value in (extra or {}).items()]
    body = "\n\n".join(_paragraph(rng, words) for _ in range(paragraphs))
    body += f"\n\n## {HEADINGS[lang][0]}\n\n{_list(rng, words)}\n"
    return "---\n" + "\n".join(front) + "\n---\n" + body


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _supporting(target: Path, cycles: tuple[int, ...]) -> dict[str, list[str]]:
    """members, action plans, institutions and policy areas; returns slugs per member."""
    for name in ("site.yaml", "policy_areas.yaml"):
        shutil.copyfile(SAMPLE_CONTENT / name, target / name)
    members, plans, institutions = [], [], []
    per_member: dict[str, list[str]] = {}
    for slug, code, en, es in MEMBERS:
        members.append(f"{slug}:\n  name: {{en: {_q(en)}, es: {_q(es)}}}\n  code: {code}")
        for cycle in cycles:
            plans.append(
                f"{code.lower()}-{cycle}:\n  member: {slug}\n  cycle: {cycle}\n"
                f"  title: {{en: {_q(f'{en} Action Plan {cycle}')}, es: {_q(f'Plan de Acción de {es} {cycle}')}}}"
            )
        per_member[slug] = []
        for i, kind in enumerate(INSTITUTION_KINDS * 2):
            inst = f"{code.lower()}-institution-{i + 1}"
            per_member[slug].append(inst)
            institutions.append(
                f"{inst}:\n  name: {{en: {_q(f'{en} institution {i + 1}')}, es: {_q(f'Institución {i + 1} de {es}')}}}\n"
                f"  kind: {kind}\n  member: {slug}"
            )
    _write(target / "members.yaml", "\n".join(members) + "\n")
    _write(target / "action_plans.yaml", "\n".join(plans) + "\n")
    _write(target / "institutions.yaml", "\n".join(institutions) + "\n")
    return per_member


def generate(
    target: Path,
    n: int = 10_000,
    seed: int = 2017,
    events: int | None = None,
    stories: int | None = None,
    cycles: int = len(CYCLES),
    vocabulary_name: str = "realistic",
) -> Path:
    """Write a content/ folder with n commitments into `target` (created; must not exist).
    `cycles`: action plans per member (the latest ones), so fewer make each plan longer;
    `vocabulary_name`: "realistic" or "small" (see the module's docstring)."""
    words = {lang: vocabulary(lang, vocabulary_name) for lang in ("en", "es")}
    target.mkdir(parents=True)
    plan_cycles = CYCLES[-cycles:]
    institutions = _supporting(target, plan_cycles)
    for theme in THEMES:  # the seven themes of the sample site, as they are
        shutil.copytree(SAMPLE_CONTENT / "themes" / theme, target / "themes" / theme)
    events = max(3, n * 3 // 100) if events is None else events
    stories = max(3, n * 3 // 100) if stories is None else stories

    for k in range(n):
        rng = random.Random(f"{seed}-commitment-{k}")
        slug, code, _, _ = MEMBERS[k % len(MEMBERS)]
        number = k // len(MEMBERS) + 1
        cid = f"{code}{number:04d}"
        folder = target / "commitments" / cid.lower()
        facts = [
            f"id: {cid}",
            f"member: {slug}",
            f"action_plan: {code.lower()}-{rng.choice(plan_cycles)}",
            f"status: {rng.choice(['active', 'active', 'inactive'])}",
            f"policy_areas: [{', '.join(rng.sample(POLICY_AREAS, rng.randint(1, 3)))}]",
            f"themes: [{', '.join(rng.sample(THEMES, rng.randint(1, 3)))}]",
            f"lead_institutions: [{rng.choice(institutions[slug])}]",
            f"support_institutions: [{', '.join(rng.sample(institutions[slug], rng.randint(0, 3)))}]",
        ]
        _write(folder / "facts.yaml", "\n".join(facts) + "\n")
        _write(folder / "en.md", commitment_text(rng, "en", words["en"]))
        if rng.random() < 0.95:  # some texts are not translated yet
            _write(folder / "es.md", commitment_text(rng, "es", words["es"]))

    start = dt.date(2014, 1, 15)
    event_slugs = []
    for k in range(events):
        rng = random.Random(f"{seed}-event-{k}")
        member = MEMBERS[k % len(MEMBERS)]
        slug = f"event-{k + 1:04d}"
        event_slugs.append(slug)
        day = start + dt.timedelta(days=k * 5000 // max(events, 1) + rng.randint(0, 3))
        end = day + dt.timedelta(days=rng.randint(0, 3))
        facts = [
            f"start: {day.isoformat()}",
            f"end: {end.isoformat()}",
            f"city: {_q(member[2] + ' City')}",
            f"country: {member[0]}",
            f"kind: {rng.choice(['regional', 'national', 'local'])}",
            f"themes: [{', '.join(rng.sample(THEMES, rng.randint(1, 3)))}]",
            f"organisers: [{rng.choice(institutions[member[0]])}]",
        ]
        _write(target / "events" / slug / "facts.yaml", "\n".join(facts) + "\n")
        for lang in ("en", "es"):
            _write(
                target / "events" / slug / f"{lang}.md", _record_text(rng, words[lang], lang, {"venue": f"{member[2]} Convention Centre"})
            )

    for k in range(stories):
        rng = random.Random(f"{seed}-story-{k}")
        member = MEMBERS[k % len(MEMBERS)]
        slug = f"story-{k + 1:04d}"
        facts = [
            f"date: {(start + dt.timedelta(days=k * 4700 // max(stories, 1))).isoformat()}",
            f"content_type: {rng.choice(['story', 'news', 'blog'])}",
            f"author: {_q('Author ' + str(k % 37 + 1))}",
            f"country: {member[0]}",
            f"themes: [{', '.join(rng.sample(THEMES, rng.randint(1, 3)))}]",
            f"stage: {rng.choice(['planned', 'in-progress', 'completed'])}",
            "government_levels: [local, national]",
        ]
        if event_slugs and rng.random() < 0.4:
            facts.append(f"event: {rng.choice(event_slugs)}")
        _write(target / "stories" / slug / "facts.yaml", "\n".join(facts) + "\n")
        for lang in ("en", "es"):
            _write(target / "stories" / slug / f"{lang}.md", _record_text(rng, words[lang], lang, paragraphs=5))
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", type=Path, help="folder to create (the content/ folder)")
    parser.add_argument("-n", type=int, default=10_000, help="number of commitments (default 10,000)")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--vocabulary", choices=VOCABULARIES, default="realistic", help="word source (default: realistic)")
    args = parser.parse_args(argv)
    generate(args.target, args.n, args.seed, vocabulary_name=args.vocabulary)
    print(f"wrote {args.n} commitments ({args.vocabulary} vocabulary) to {args.target}")


if __name__ == "__main__":
    main()
