from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(label=_("Title shown"), required=False, max_length=120)

    class Meta:
        template = "disclosures/blocks/attachment.html"
        icon = "doc-full"
        label = _("Attached document")


class CaptionedTableBlock(blocks.StructBlock):
    caption = blocks.CharBlock(label=_("Caption"), max_length=120, help_text=_("Says what the table shows."))
    table = TableBlock(label=_("Table"))

    class Meta:
        template = "disclosures/blocks/table.html"
        icon = "table"
        label = _("Table")


class DocumentBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=80, form_classname="title")
    paragraph = blocks.RichTextBlock(label=_("Paragraph"))
    table = CaptionedTableBlock()
    attachment = AttachmentBlock()
