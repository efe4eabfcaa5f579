"""What the asset catalog shows of every asset: owners, tags, code references, and the tables' freshness.

Applied to the assets as `definitions.py` registers them, from settings read when the
definitions load (owners, freshness window, git URL and branch). Code references are the
local source files unless `PAPERHOUSE_GIT_URL` names the repository: an installed wheel has
no checkout, and its files are still where Dagster can show them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import dagster as dg

from etl.settings import Settings, SettingsError

PACKAGE = Path(__file__).parent  # orchestration/, in a checkout or in site-packages alike
TABLE_GROUP = "warehouse"
CODE_REFERENCES = "dagster/code_references"

Definition = dg.AssetsDefinition | dg.AssetSpec


def read_setting(name: str) -> object:
    """One setting read when the definitions load; a bad value is a Failure naming it."""
    try:
        return Settings.read_one(name)
    except SettingsError as exc:
        raise dg.Failure(description=f"bad setting: {exc}") from None


def freshness_policy() -> dg.FreshnessPolicy:
    """The tables' policy: stale (health red) when no dump was loaded for `freshness_hours`."""
    return dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=read_setting("freshness_hours")))


def _tags(spec: dg.AssetSpec, owners: Sequence[str]) -> dict[str, str]:
    """The layer (the asset's group) and, when a team owns it, the team."""
    teams = [o.removeprefix("team:") for o in owners if o.startswith("team:")]
    return {"layer": spec.group_name or "default", **({"team": teams[0]} if teams else {})}


def _spec_reference(spec: dg.AssetSpec, source: Path) -> dg.AssetSpec:
    """An external asset's code reference: the module that declares it (Dagster only finds an op's)."""
    reference = dg.LocalFileCodeReference(file_path=str(source), label="declared in")
    return spec.merge_attributes(
        metadata={CODE_REFERENCES: dg.CodeReferencesMetadataValue(code_references=[reference])}
    )


def _git_platform(url: str) -> str:
    # Dagster infers it from the URL's text and refuses any other host; a self-hosted GitLab
    # usually says so, anything else is linked GitHub's way (<url>/tree/<branch>/<path>).
    return "gitlab" if "gitlab" in url else "github"


def catalogued(assets: Sequence[Definition], sources: dict[str, Path]) -> list[Definition]:
    """`assets` with owners, tags and code references, and the freshness policy on the tables.

    `sources`: the module file of each external asset spec, by key (a spec has no function to point to).
    """
    with warnings.catch_warnings():
        # Code references are beta in Dagster 1.13: the warning would print on every definitions load.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _catalogued(assets, sources)


def _catalogued(assets: Sequence[Definition], sources: dict[str, Path]) -> list[Definition]:
    owners = list(read_setting("owners"))
    policy = freshness_policy()

    def described(spec: dg.AssetSpec) -> dg.AssetSpec:
        spec = spec.replace_attributes(owners=owners).merge_attributes(tags=_tags(spec, owners))
        return dg.apply_freshness_policy(spec, policy) if spec.group_name == TABLE_GROUP else spec

    mapped = dg.map_asset_specs(described, assets)
    referenced = [
        _spec_reference(item, sources[item.key.to_user_string()]) if isinstance(item, dg.AssetSpec) else item
        for item in dg.with_source_code_references(mapped)
    ]
    git_url = read_setting("git_url")
    if git_url is None:
        return referenced
    return list(
        dg.link_code_references_to_git(
            [_as_definition(item) for item in referenced],
            git_url=git_url.rstrip("/"),
            git_branch=read_setting("git_branch"),
            file_path_mapping=dg.AnchorBasedFilePathMapping(
                local_file_anchor=PACKAGE, file_anchor_path_in_repository=PACKAGE.name
            ),
            platform=_git_platform(git_url),
        )
    )


def _as_definition(item: Definition) -> Definition:
    """An external spec as an assets definition, so that its code reference is linked to git too."""
    return dg.AssetsDefinition(specs=[item]) if isinstance(item, dg.AssetSpec) else item
