"""Who may see which patient: consent, treatment relationship, noodprocedure.

``decision.decide`` is the one rule, a pure function over plain values; ``guard`` applies it
to every request that shows patient data (decide, audit, then render).
"""
