from django.conf import settings
from django.db import models

from .courts import court_url
from .signatures import normalize_signature, signature_key


class Court(models.Model):
    """A court publishing an eWokanda page; the page URL is derived from the parser key."""

    name = models.CharField(max_length=200)
    parser_key = models.CharField(max_length=50, unique=True)
    active = models.BooleanField(default=True, help_text="Inactive courts are skipped by the nightly parser.")

    class Meta:
        ordering = ["parser_key"]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return court_url(self.parser_key, settings.EWOKANDA_BASE_URL)


class CourtCase(models.Model):
    """A case signature at one court that we track for hearings."""

    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="court_cases")
    signature = models.CharField(max_length=100)
    # Normalised, upper-cased signature: the unique column that makes "II SA/Bk\xa0668/21" and
    # "ii sa/bk 668/21" the same court case. Always derived from `signature` in save().
    signature_key = models.CharField(max_length=100, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="court_cases")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courtcase_created_by"
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="courtcase_modified_by",
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["court", "signature_key"], name="courtcase_unique_signature"),
        ]

    def __str__(self) -> str:
        return f"{self.signature} ({self.court.parser_key})"

    def save(self, *args, **kwargs) -> None:
        self.signature = normalize_signature(self.signature)
        self.signature_key = signature_key(self.signature)
        super().save(*args, **kwargs)


class CourtSession(models.Model):
    """A hearing of a court case, mirrored as an Event in the case's calendar.

    ``slot`` orders the hearings of one court case on one date by time (0, 1, ...): real pages list a
    public hearing and a closed sitting of one case on the same day, so the date alone is not a key.
    """

    court_case = models.ForeignKey(CourtCase, on_delete=models.CASCADE, related_name="sessions")
    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="court_session")
    parser_key = models.CharField(max_length=50)
    date = models.DateField()
    slot = models.PositiveSmallIntegerField(default=0)
    # Bumped by every update the parser makes. Updates are conditional on the revision read, so
    # two parsers running at once cannot both apply (and notify) the same change, and each update
    # has its own outbox key even when a hearing moves back to an earlier time.
    revision = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["court_case", "date", "slot"], name="courtsession_unique_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.court_case.signature} {self.date} #{self.slot}"
