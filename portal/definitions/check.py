"""``flask catalog check``: every problem of the shared standard catalog at once, before anyone deploys it.

Parsing for publication stops at the first broken file (:mod:`portal.services.publishing`); an author fixing
the catalog wants them all, so ``catalog publish`` runs this first and stores nothing on an error. This loads each workflow and definition on its own the way the app does
(so cross references, ``show_if`` targets and prefill keys are checked by the same code), compiles every
certificate template, prints each certificate a procedure names with sample contexts made from the demo
住民記録 (HTML only: WeasyPrint is the fixed cost, not the template's logic) and warns of labels without an
English translation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from jinja2 import TemplateSyntaxError

from portal.catalog import ProcedureDefinition, load_definition
from portal.catalog.methods import PaymentMethod
from portal.certificates import CertificateRenderer, CertificateRenderingError
from portal.demo import DEMO_MUNICIPALITIES, demo_households
from portal.languages import catalog_path, shipped
from portal.models import Municipality
from portal.records.model import Household
from portal.services.certificates import certificate_context
from portal.services.certified import record
from portal.services.juminhyo import OPTIONAL_ITEMS, household_content
from portal.workflow import Condition, WorkflowDefinition, load_workflow
from portal.yamlsource import DefinitionError, load


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


def check_catalog(
    catalog_dir: Path, workflows_dir: Path, certificates_dir: Path, translations_dir: Path
) -> list[Problem]:
    """Every error and warning, files in name order; empty when the catalog is ready to ship."""
    problems: list[Problem] = []
    workflows = sorted(workflows_dir.glob("*.yaml"))
    loaded: dict[str, WorkflowDefinition] = {}
    for file in workflows:
        try:
            loaded[file.stem] = load_workflow(file, _shown(workflows_dir, file))
        except DefinitionError as error:
            problems.append(_problem(error))
    renderer = CertificateRenderer(templates_dir=certificates_dir)
    problems += _compile_templates(renderer, certificates_dir)
    compiled = {p.file for p in problems}
    templates = renderer.available_templates()
    checked: set[tuple[str, bool]] = set()  # templates rendered, with or without certified_persons
    definitions = sorted(catalog_dir.glob("*.yaml"))
    for file in definitions:
        try:  # a broken workflow still exists: its name is not reported again in every definition using it
            definition = load_definition(
                file,
                display_name=_shown(catalog_dir, file),
                workflows={w.stem for w in workflows},
                certificates=templates,
            )
        except DefinitionError as error:
            problems.append(_problem(error))
            continue
        problems += _unpaid_online(file, _shown(catalog_dir, file), definition, loaded.get(definition.workflow))
        problems += _unchecked_requester(file, _shown(catalog_dir, file), definition, loaded.get(definition.workflow))
        template = definition.certificate
        sampled = (template or "", definition.certified_persons is not None)
        if (
            template
            and sampled not in checked
            and _shown(certificates_dir, certificates_dir / f"{template}.html") not in compiled
        ):
            checked.add(sampled)
            answers = _sample_answers(definition)
            inputs = _sample_inputs(loaded.get(definition.workflow))
            problems += _render_samples(renderer, certificates_dir, definition, answers, inputs)
    problems += _untranslated([*workflows, *definitions], translations_dir)
    return problems


def _unpaid_online(
    file: Path, shown: str, definition: ProcedureDefinition, workflow: WorkflowDefinition | None
) -> Iterator[Problem]:
    """Online payment offered on a workflow that never waits for it: the resident could never pay."""
    if workflow is None or PaymentMethod.ONLINE not in definition.payment_methods:
        return
    if not any(Condition.PAID in transition.requires for transition in workflow.transitions):
        yield Problem(
            shown,
            load(file, shown).line_of(("payment_methods",)),
            f"payment_methods offers online, but workflow {workflow.name!r} never waits for the payment: "
            "give the transition that must wait for it (交付) requires: [paid]",
        )


def _unchecked_requester(
    file: Path, shown: str, definition: ProcedureDefinition, workflow: WorkflowDefinition | None
) -> Iterator[Problem]:
    """Requests for someone else on a workflow where nobody confirms the 委任状 or the basis was checked."""
    if workflow is None or definition.requester is None:
        return
    if not any(transition.checks_requester for transition in workflow.transitions):
        yield Problem(
            shown,
            load(file, shown).line_of(("requester",)),
            f"requester lets residents request for someone else, but no transition of workflow {workflow.name!r} "
            "checks the requester: give the decision where staff check the 委任状 checks_requester: true",
        )


def _shown(directory: Path, file: Path) -> str:
    return f"{directory.name}/{file.name}"


def _problem(error: DefinitionError) -> Problem:
    """Combined errors already carry ``file:line:`` on their following lines: kept as they are."""
    return Problem(
        error.file,
        error.line,
        str(error).removeprefix(f"{error.file}:{error.line}: " if error.line else f"{error.file}: "),
    )


def _compile_templates(renderer: CertificateRenderer, directory: Path) -> Iterator[Problem]:
    for file in sorted(directory.glob("*.html")):
        try:
            renderer.environment.get_template(file.name)
        except TemplateSyntaxError as error:
            yield Problem(_shown(directory, file), error.lineno, f"template syntax: {error.message}")


def _sample_answers(definition: ProcedureDefinition) -> list[tuple[str, dict[str, Any]]]:
    """Every field answered, then only the required ones that are always asked: both sides of a template's ``if``."""
    every = {f.name: f.field_type.sample(f) for f in definition.fields}
    required = {f.name: every[f.name] for f in definition.fields if f.required and f.show_if is None}
    return [("every answer", every), ("the required answers only", required)]


def _sample_inputs(workflow: WorkflowDefinition | None) -> dict[str, dict[str, Any]]:
    """Every transition's fields filled, as when the case reached 交付 through each of them."""
    transitions = workflow.transitions if workflow is not None else ()
    return {t.name: {f.name: f.field_type.sample(f) for f in t.fields} for t in transitions if t.fields}


def _render_samples(
    renderer: CertificateRenderer,
    directory: Path,
    definition: ProcedureDefinition,
    answers: list[tuple[str, dict[str, Any]]],
    inputs: dict[str, dict[str, Any]],
) -> Iterator[Problem]:
    """The first failure of the definition's template against each sample context (one is enough to fix it)."""
    template = definition.certificate
    assert template is not None
    samples = _sample_contexts(template, definition, answers, inputs)
    for label, context in samples:
        try:
            renderer.render_html(template, context)
        except CertificateRenderingError as error:
            cause = error.__cause__
            yield Problem(
                _shown(directory, directory / error.file),
                error.line,
                f"rendering {label}: {error.cause_class}: {cause}",
            )
            return


def _largest_household() -> Household:
    return max((h for hs in demo_households().values() for h in hs), key=lambda h: len(h.members))


def _juminhyo_samples(base: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """A 個人票 with nothing optional and a 世帯連記式 with everything: both branches of every ``if``."""
    household = _largest_household()
    for label, persons, requested in (
        ("a 個人票 sample", household.members[:1], False),
        ("a 世帯連記式 sample", household.members, True),
    ):
        yield label, dict(base, **household_content(household, persons, dict.fromkeys(OPTIONAL_ITEMS, requested)))


def _certified_persons_samples() -> Iterator[tuple[str, dict[str, Any]]]:
    """One person, the largest household, and a foreign resident (国籍・地域 instead of 本籍), every item."""
    households = [h for hs in demo_households().values() for h in hs]
    household = _largest_household()
    foreign = next(h for h in households if any(person.foreign for person in h.members))
    for label, chosen, persons in (
        ("a sample of one person", household, household.members[:1]),
        ("a sample of a whole household", household, household.members),
        ("a foreign resident's sample", foreign, foreign.members),
    ):
        yield label, {"record": record(chosen, persons)}


SAMPLES: Mapping[str, Callable[[Mapping[str, Any]], Iterator[tuple[str, dict[str, Any]]]]] = {
    "juminhyo": _juminhyo_samples
}
"""Per template, sample contents as portal.services.certificates.CERTIFIED_CONTENT builds them."""


def _sample_contexts(
    template: str,
    definition: ProcedureDefinition,
    answers: list[tuple[str, dict[str, Any]]],
    inputs: dict[str, dict[str, Any]],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """A template certifying a record gets its record samples: juminhyo's with no answers; a definition's
    ``certified_persons`` with each sample of the answers too (a 転出証明書 prints the notified 転出先)."""
    data = DEMO_MUNICIPALITIES[0]
    municipality = Municipality(**{k: v for k, v in data.items() if k != "procedures"}, demo=True)
    base = certificate_context(
        municipality, {}, issue_number=f"{data['code']}-2026-000001", issued_on=date(2026, 4, 1), inputs=inputs
    )
    base["verify_url"] = "https://madoguchi.example.jp/verify/sample"
    if definition.certified_persons is not None:
        for (persons, recorded), (answered, values) in itertools.product(_certified_persons_samples(), answers):
            yield f"{persons} with {answered}", dict(base, answers=values, **recorded)
        return
    samples = SAMPLES.get(template)
    if samples:
        yield from samples(base)
    else:
        yield from ((f"the sample with {answered}", dict(base, answers=values)) for answered, values in answers)


def _untranslated(files: list[Path], translations_dir: Path) -> Iterator[Problem]:
    """A label without a translation shows in Japanese to everyone: a warning, not a broken catalog."""
    for language in shipped(translations_dir):
        po = catalog_path(translations_dir, language)
        if po is None:
            continue  # Japanese: the labels are its text
        with po.open("rb") as file:
            catalog = read_po(file)
        for path in files:
            try:
                source = load(path, _shown(path.parent, path))
            except DefinitionError:
                continue  # already an error
            for at, msgid in source.translatable():
                message = catalog.get(msgid)
                if message is None or not message.string or message.fuzzy:
                    yield Problem(
                        str(source.file),
                        source.line_of(at),
                        f"no {language.code} translation of {msgid!r}",
                        warning=True,
                    )
