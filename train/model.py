"""The re-ranker and answer reader: one MiniLM encoder over (question, passage), two small heads.

The relevance head scores the pair from [CLS] through the encoder's pooler (as BERT's sequence classifier
does: [CLS] attends to the question and passage alike; a mean over ~200 passage tokens blurred the signal
and did not learn in a first run); the span head gives each token a start and an end logit, with position 0
([CLS]) meaning "no answer in this passage". Both come from one forward pass, so the answer costs nothing
beyond re-ranking.
"""

from __future__ import annotations

import torch
from torch import nn


class Reader(nn.Module):
    """Encoder + relevance head + span head."""

    def __init__(self, encoder: nn.Module, hidden: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.relevance = nn.Linear(hidden, 1)
        self.span = nn.Linear(hidden, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(relevance [b], start logits [b, s], end logits [b, s]); padded positions get -1e4."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        states = out.last_hidden_state
        relevance = self.relevance(self.dropout(out.pooler_output)).squeeze(-1)
        span = self.span(self.dropout(states))
        pad = (1 - attention_mask.to(states.dtype)) * -1e4
        return relevance, span[..., 0] + pad, span[..., 1] + pad
