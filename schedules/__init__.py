"""Schedules as code: ``declared`` lists them, ``sync`` puts them on Temporal keeping operators' pauses,
``operate`` pauses/unpauses/triggers/backfills them, ``overview`` and ``words`` show them."""
