"""Mock interview rounds: a planned set of questions, follow-ups on gaps, an optional clock, a debrief.

A round is what an interviewer does, not flashcards:

* **Plan** (``plan_round``): ``length`` questions, mixing the bank's question kinds (conceptual,
  applied, coding, case study), from one topic or mixed topics, and ordered warm-up to harder:
  one level below the chosen level first, one level above last (``difficulty_ladder``).
  Questions the user has not seen recently are preferred.
* **Follow-ups** (``follow_up_targets``): an answer that misses an important concept (weight
  ``FOLLOW_UP_MIN_WEIGHT`` or more, or any concept when the score is under
  ``FOLLOW_UP_BELOW``) gets exactly one follow-up aimed at the gap: the question's own
  follow-up that shares the most words with the missed concepts, or (none sharing any) one
  phrased from the concept's name by the adapter's texts. The follow-up answer is graded
  against those missed concepts only; each one it covers is credited, raising the question's
  round score by ``FOLLOW_UP_CREDIT`` times the concept's share of the question's weight
  (scaled by the hint cap, never above it). "I don't know" gets no follow-up.
* **Time limit** (``/timelimit``, off by default): stored on the user and copied into a
  round when it starts. An answer after the limit is still graded and recorded, marked late,
  and counts ``LATE_FACTOR`` (half) of its score in the round; a late follow-up earns half its
  credit. Time runs from the moment the question was asked, also while the bot is down.
* **Debrief** (``build_debrief``): per question and follow-up, strengths and gaps by topic,
  hints, time, an interviewer's verdict with its reasons (``verdict_for``) and three next
  steps naming questions (``next_steps``).

This package is the pure part, no database and no Telegram: the rules and their numbers
(``rules``), the result types (``results``), reading ``/interview`` and ``/timelimit``
arguments (``arguments``), planning and follow-ups (``plan``) and the debrief (``debrief``).
The service that runs rounds in the database is ``bot.services.interviews``.
"""
