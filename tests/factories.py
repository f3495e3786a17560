import factory
from django.contrib.auth import get_user_model
from wagtail.models import Site

from home.models import StandardPage

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cn")
    password = factory.django.Password(PASSWORD)

    class Params:
        superuser = factory.Trait(is_staff=True, is_superuser=True)


class PublishedPageFactory(factory.django.DjangoModelFactory):
    """Adds the page under `parent` (default: the default site's home page) and publishes it, as
    the admin would, unless created with live=False (an unpublished draft). Keyword arguments named
    in `_relations` (inline rows, many-to-many values) are set on the page by `relate` before saving."""

    class Meta:
        abstract = True

    live = True
    _relations: tuple[str, ...] = ()

    @classmethod
    def relate(cls, page, **values):
        for name, value in values.items():
            setattr(page, name, value)

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        related = {name: kwargs.pop(name) for name in cls._relations if name in kwargs}
        if parent is None:
            parent = Site.objects.get(is_default_site=True).root_page
        page = model_class(*args, **kwargs)
        cls.relate(page, **related)
        parent.add_child(instance=page)
        revision = page.save_revision()
        if page.live:
            revision.publish()
            page.refresh_from_db()
        return page


class StandardPageFactory(PublishedPageFactory):
    """A content page added under the default site's root page (or `parent`).
    Published unless created with live=False, which leaves an unpublished draft."""

    class Meta:
        model = StandardPage

    title = factory.Sequence(lambda n: f"测试页面{n}")
    slug = factory.Sequence(lambda n: f"test-page-{n}")
    intro = "测试用的简介。"
    show_in_menus = False
