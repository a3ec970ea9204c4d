from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .courts import court_url
from .signatures import MAX_SIGNATURE_LENGTH, normalize_signature, signature_key, signature_problem


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
    """A case signature at one court that we track for hearings.

    One court case may be tracked by several Poradnia cases (co-parties are common in administrative
    courts): each gets its own sessions, events and e-mails, so uniqueness is per (court, signature, case).
    """

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
            models.UniqueConstraint(fields=["court", "signature_key", "case"], name="courtcase_unique_signature"),
        ]

    def __str__(self) -> str:
        return f"{self.signature} ({self.court.parser_key})"

    def save(self, *args, **kwargs) -> None:
        if signature_problem(self.signature) is not None:  # never store what no page can match, nor overflow
            raise ValidationError({"signature": self.signature_message(signature_problem(self.signature))})
        self.signature = normalize_signature(self.signature)
        self.signature_key = signature_key(self.signature)
        super().save(*args, **kwargs)

    @staticmethod
    def signature_message(problem: str | None) -> str:
        if problem == "empty":
            return _("The signature has no visible characters.")
        return _("The signature is too long once normalised (at most %(limit)d characters).") % {
            "limit": MAX_SIGNATURE_LENGTH}

    def clean(self) -> None:
        # The constraint's column is not on any form (it is derived), so Django's form validation skips it:
        # check here, or the admin answers a duplicate with an IntegrityError (HTTP 500). The same for what
        # is stored: the form checks the typed length, normalisation may lengthen or empty it.
        super().clean()
        if not self.signature:
            return
        if (problem := signature_problem(self.signature)) is not None:
            raise ValidationError({"signature": self.signature_message(problem)})
        if self.court_id is None or self.case_id is None:
            return
        duplicate = CourtCase.objects.filter(court_id=self.court_id, case_id=self.case_id,
                                             signature_key=signature_key(self.signature)).exclude(pk=self.pk)
        if duplicate.exists():
            raise ValidationError({"signature": "Ta sprawa już śledzi tę sygnaturę w tym sądzie."})


class CourtSession(models.Model):
    """A hearing of a court case, mirrored as an Event in the case's calendar.

    ``slot`` tells apart the hearings of one court case on one date (real pages list a public hearing
    and a closed sitting of one case on the same day, so the date alone is not a key). A new hearing
    takes the next free slot and slots are never renumbered: a session is matched to a page row by
    what the hearing is (time and text), not by its place (poradnia.judgements.sync).

    ``state``: ``listed`` (on the court's page when last read), ``not_listed`` (missing from a page
    that covers its date; its event is marked), ``held`` (its date has passed; never touched again).
    """

    class State(models.TextChoices):
        LISTED = "listed", "na wokandzie"
        NOT_LISTED = "not_listed", "nie ma na wokandzie"
        HELD = "held", "odbyta"

    court_case = models.ForeignKey(CourtCase, on_delete=models.CASCADE, related_name="sessions")
    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="court_session")
    parser_key = models.CharField(max_length=50)
    date = models.DateField()
    slot = models.PositiveSmallIntegerField(default=0)
    # Bumped by every update the parser makes. Updates are conditional on the revision read, so
    # two parsers running at once cannot both apply (and notify) the same change, and each update
    # has its own outbox key even when a hearing moves back to an earlier time.
    revision = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=12, choices=State.choices, default=State.LISTED, db_index=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="When a court page last listed it")
    # Consecutive complete runs of its court whose page covered its date and did not list it.
    missed_runs = models.PositiveSmallIntegerField(default=0)
    missed_in_run = models.CharField(max_length=255, blank=True)  # the run that counted the last miss (retries)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["court_case", "date", "slot"], name="courtsession_unique_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.court_case.signature} {self.date} #{self.slot}"


class CourtSessionChange(models.Model):
    """One change the parser made to a hearing: the hearing archive, searchable by signature.

    Kept when the session goes (staff deleted its event): ``court_session`` becomes NULL, the court case
    and the signature stay.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "wyznaczono"
        TIME_CHANGED = "time_changed", "zmiana godziny"
        TEXT_CHANGED = "text_changed", "zmiana opisu"
        NOT_LISTED = "not_listed", "zniknęła z wokandy"
        LISTED_AGAIN = "listed_again", "wróciła na wokandę"
        MOVED = "moved", "przeniesiona"

    court_session = models.ForeignKey(CourtSession, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="changes")
    court_case = models.ForeignKey(CourtCase, on_delete=models.CASCADE, related_name="session_changes")
    signature = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    before = models.JSONField(default=dict, blank=True)  # {"time": ISO, "text": ...}; {} for created
    after = models.JSONField(default=dict, blank=True)
    workflow_id = models.CharField(max_length=255, blank=True, help_text="The run that made the change")
    created = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.signature} {self.kind} {self.created:%Y-%m-%d %H:%M}"
