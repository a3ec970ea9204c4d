from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedSecret(models.Model):
    """A user's calendar feed secret: the URL is ``<selector><verifier>``.

    ``selector`` finds the row (it is not secret); the verifier is HMAC(SECRET_KEY, selector + nonce) with
    128 random bits of ``nonce``, and only its SHA-256 is kept, compared in constant time. The URL can be
    shown again (admin page, command) because the server key re-derives it; the database alone cannot.
    Rotating replaces all three, so the old URL finds no row.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_secret",
                                verbose_name=_("user"))
    selector = models.CharField(max_length=32, unique=True)
    nonce = models.CharField(max_length=64)
    verifier_hash = models.CharField(max_length=64)
    created = models.DateTimeField(_("created"))
    # The last body's ETag and when it first changed to it: Last-Modified, so an event that leaves the feed
    # (a user taken off a case) moves it too, which no event's own time would.
    etag = models.CharField(max_length=80, blank=True)
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed secret")
        verbose_name_plural = _("calendar feed secrets")

    def __str__(self) -> str:
        return str(self.user)


class FeedEntry(models.Model):
    """What the feed last published of an event, so its SEQUENCE grows on every change.

    Writers update events in many ways (the court sync with ``QuerySet.update``, which skips ``auto_now``;
    results written on the court session, not the event; staff in the admin), so the feed does not trust
    any of them: it compares the digest of what it would publish with the stored one and bumps ``sequence``
    when they differ. One row per event, shared by every user's feed, so a UID has one SEQUENCE.
    """

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, primary_key=True,
                                 related_name="feed_entry")
    digest = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField()  # LAST-MODIFIED and DTSTAMP: when the feed first published this version

    class Meta:
        verbose_name = _("calendar feed entry")
        verbose_name_plural = _("calendar feed entries")

    def __str__(self) -> str:
        return f"event {self.event_id} #{self.sequence}"
