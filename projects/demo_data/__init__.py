"""Write the projects demo data and sample import files, deterministically.

The files reproduce the 2021 annual review: 50 industrial key projects on the 丹阳市
list (20 续建, 30 新建; highest list 3 省级, 26 镇江市级, 21 丹阳市级) besides the named
infrastructure and social projects; 22 deals signed in 2021 worth 1,795,000 万元 (one
of 50 亿元 or more, one of 30–50 亿元, 4 foreign-funded); 15 in-hand mature deals worth
1,008,100 万元; 5 relocation projects with 162 households and 204,600 m².
"""

import random
from pathlib import Path

from devzone.demo.files import write_csv, write_xlsx
from devzone.demo.people import People
from projects.demo_data.deals import deals
from projects.demo_data.key_projects import key_projects
from projects.demo_data.relocation import (
    error_households,
    relocation,
    sample_households,
)
from projects.resources import (
    InvestmentDealResource,
    KeyProjectResource,
    RelocationHouseholdResource,
    RelocationProjectResource,
)


def generate(fixtures: Path) -> list[Path]:
    """Write the projects demo CSVs and samples under fixtures; return their paths."""
    demo, samples = fixtures / "demo" / "projects", fixtures / "samples"
    people = People(2021)
    key = key_projects(people.rng)
    deal_rows = deals(people)
    projects, households = relocation(people)
    # The samples draw from their own generator, their people from the demo's.
    sample_rng = random.Random(2022)
    sample = sample_households(sample_rng, people)
    errors, duplicates = error_households(sample_rng, people)
    resource = RelocationHouseholdResource
    return [
        write_csv(demo / "key_projects.csv", KeyProjectResource, key),
        write_csv(demo / "deals.csv", InvestmentDealResource, deal_rows),
        write_csv(
            demo / "relocation_projects.csv", RelocationProjectResource, projects
        ),
        write_csv(demo / "households.csv", resource, households),
        write_csv(
            samples / "projects_households_gbk.csv", resource, sample, encoding="gbk"
        ),
        write_xlsx(
            samples / "projects_households.xlsx",
            resource,
            sample,
            numbers=("household_size", "floor_area", "compensation"),
            dates=("signed_on", "vacated_on"),
        ),
        write_csv(samples / "projects_households_errors.csv", resource, errors),
        write_csv(samples / "projects_households_duplicate.csv", resource, duplicates),
    ]
