"""Schedules as code: ``declared`` lists them, ``apply`` puts them on Temporal keeping operators' pauses,
``operate`` pauses/unpauses/triggers/backfills them, ``overview`` and ``words`` show them."""
