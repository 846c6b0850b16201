"""Programs and the entities (ACOs, DCEs, practices) that take part in them."""

from __future__ import annotations

from django.db import models

from core.tenancy import TenantManager


class Program(models.Model):
    """A CMS program or model (MSSP, ACO REACH, MCP, LEAD). Rules and rates are data keyed by it."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Entity(models.Model):
    """An organisation that takes on risk in a program: an MSSP ACO, a REACH DCE, an MCP practice."""

    tenant_path = ""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="entities")
    cms_id = models.CharField("CMS ID", max_length=16, unique=True)
    legal_name = models.CharField(max_length=200)

    objects = TenantManager()

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.cms_id})"
