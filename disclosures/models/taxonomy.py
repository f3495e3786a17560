from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet


class Term(models.Model):
    """A named, ordered entry of a controlled vocabulary that editors may extend."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    slug = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Used in links and open data."))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


@register_snippet
class ViolationCategory(Term):
    class Meta(Term.Meta):
        verbose_name = _("violation category")
        verbose_name_plural = _("violation categories")


@register_snippet
class Measure(Term):
    class Meta(Term.Meta):
        verbose_name = _("measure taken")
        verbose_name_plural = _("measures taken")
