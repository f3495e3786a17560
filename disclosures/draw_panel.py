"""The "random draw" panel in the plan editor: where the draw stands and a link to its screen."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail.admin.panels import Panel


class DrawPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        def render_html(self, parent_context=None):
            page = self.instance
            if not page.pk:
                return format_html(
                    '<p class="help">{}</p>', _("Save the plan first; then the draw can be prepared from here.")
                )
            draw = page.current_draw()
            if draw is None:
                state = _("No draw yet: choose the scope and commit it.")
            elif not draw.is_drawn:
                state = _("Committed; not drawn yet.")
            else:
                state = _("Drawn: %(size)s institutions.") % {"size": draw.size}
            url = reverse("disclosures_draw", kwargs={"page_id": page.pk})
            return format_html(
                '<p class="draw-state">{}</p><p><a class="button button-small draw-link" href="{}">{}</a></p>',
                state,
                url,
                _("Open the draw"),
            )
