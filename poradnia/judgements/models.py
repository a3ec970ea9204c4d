from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from poradnia.dates import short_date, short_datetime

from .courts import court_url
from .signatures import MAX_SIGNATURE_LENGTH, normalize_signature, signature_key, signature_problem


class Court(models.Model):
    """A court publishing an eWokanda page; the page URL is derived from the parser key."""

    name = models.CharField(_("name"), max_length=200)
    parser_key = models.CharField(_("parser key"), max_length=50, unique=True)
    active = models.BooleanField(_("active"), default=True,
                                 help_text=_("Inactive courts are skipped by the nightly parser."))

    class Meta:
        verbose_name = _("court")
        verbose_name_plural = _("courts")
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

    court = models.ForeignKey(Court, verbose_name=_("court"), on_delete=models.PROTECT, related_name="court_cases")
    signature = models.CharField(_("signature"), max_length=100)
    # Normalised, upper-cased signature: the unique column that makes "II SA/Bk\xa0668/21" and
    # "ii sa/bk 668/21" the same court case. Always derived from `signature` in save().
    signature_key = models.CharField(_("signature key"), max_length=100, editable=False)
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="court_cases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="courtcase_created_by"
    )
    modified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("modified by"),
                                    on_delete=models.PROTECT, null=True, blank=True,
        related_name="courtcase_modified_by",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("court case")
        verbose_name_plural = _("court cases")
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
            raise ValidationError({"signature": _("This case already tracks this signature at this court.")})


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
        LISTED = "listed", _("listed")
        NOT_LISTED = "not_listed", _("not listed")
        HELD = "held", _("held")

    court_case = models.ForeignKey(CourtCase, verbose_name=_("court case"), on_delete=models.CASCADE,
                                   related_name="sessions")
    event = models.OneToOneField("events.Event", verbose_name=_("event"), on_delete=models.CASCADE,
                                 related_name="court_session")
    parser_key = models.CharField(_("parser key"), max_length=50)
    date = models.DateField(_("date"))
    slot = models.PositiveSmallIntegerField(_("slot"), default=0)
    # Bumped by every update the parser makes. Updates are conditional on the revision read, so
    # two parsers running at once cannot both apply (and notify) the same change, and each update
    # has its own outbox key even when a hearing moves back to an earlier time.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.LISTED, db_index=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True,
                                        help_text=_("When a court page last listed it"))
    # Consecutive complete runs of its court whose page covered its date and did not list it.
    missed_runs = models.PositiveSmallIntegerField(_("missed runs"), default=0)
    missed_in_run = models.CharField(_("missed in run"), max_length=255,
                                     blank=True)  # the run that counted the last miss (retries)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("court session")
        verbose_name_plural = _("court sessions")
        ordering = ["date", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["court_case", "date", "slot"], name="courtsession_unique_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.court_case.signature} {short_date(self.date)} #{self.slot}"


class CourtSessionChange(models.Model):
    """One change the parser made to a hearing: the hearing archive, searchable by signature.

    Kept when the session goes (staff deleted its event): ``court_session`` becomes NULL, the court case
    and the signature stay.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("scheduled")
        TIME_CHANGED = "time_changed", _("time changed")
        TEXT_CHANGED = "text_changed", _("text changed")
        NOT_LISTED = "not_listed", _("left the list")
        LISTED_AGAIN = "listed_again", _("listed again")
        MOVED = "moved", _("moved")

    court_session = models.ForeignKey(CourtSession, verbose_name=_("court session"), on_delete=models.SET_NULL,
                                      null=True, blank=True,
                                      related_name="changes")
    court_case = models.ForeignKey(CourtCase, verbose_name=_("court case"), on_delete=models.CASCADE,
                                   related_name="session_changes")
    signature = models.CharField(_("signature"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)  # {"time": ISO, "text": ...}; {} for created
    after = models.JSONField(_("after"), default=dict, blank=True)
    workflow_id = models.CharField(_("workflow id"), max_length=255, blank=True,
                                   help_text=_("The run that made the change"))
    created = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        verbose_name = _("court session change")
        verbose_name_plural = _("court session changes")
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.signature} {self.get_kind_display()} {short_datetime(self.created)}"
