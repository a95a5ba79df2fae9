"""Locust users for `benchmarks/load.py`: each asks questions back to back (closed loop)."""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, constant, task

QUESTIONS = json.loads(os.environ.get("RAG_BENCH_QUESTIONS", '["What was said about the budget?"]'))


class Asker(HttpUser):
    wait_time = constant(0)

    @task
    def ask(self) -> None:
        question = random.choice(QUESTIONS)
        with self.client.post("/ask", json={"question": question, "k": 5}, catch_response=True) as r:
            if r.status_code != 200 or not isinstance(r.json().get("passages"), list):
                r.failure(f"{r.status_code}: {r.text[:200]}")
