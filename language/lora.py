"""LoRA fine-tuning of the small local LM (peft) on (prompt, answer) examples, on CPU,
resumable, under a wall-time budget.

The loss is the answer's tokens only (the chat-templated prompt is not scored, and the
output layer runs on the answer positions only). LoRA sits in the top ``top_layers``
layers (attention and MLP), so the backward pass stops there: on this CPU that is what
makes about a thousand traces fit in an hour. One example
per micro-batch, ``accum`` micro-batches per optimiser step, linear warm-up then linear
decay. Every ``save_every`` optimiser steps the LoRA weights, the optimiser state and the
position in the (deterministically shuffled) example list go to ``<out>/checkpoint``
(engine.runtime.checkpoint: safetensors + checkpoint.json, kind ``judge-lora``); a line
per step goes to ``<out>/progress.jsonl``. Run again with the same examples and it
resumes where it stopped; the wall-time budget counts every run together. The adapter
(a few MB) lives in the cache folder, never in the repository.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.runtime.checkpoint import (has_checkpoint, load_meta, load_tensors, optimizer_from_tensors,
                                       optimizer_to_tensors, save_checkpoint)
from language.distill import SYSTEM, encode_prompt

log = logging.getLogger(__name__)
KIND = "judge-lora"


@dataclass(frozen=True)
class LoraTrainConfig:
    rank: int = 16
    alpha: int = 32
    targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    top_layers: int = 8           # LoRA on the top layers only: backward stops there (CPU time)
    n_layers: int = 30            # SmolLM2-135M
    lr: float = 1e-3
    accum: int = 4
    warmup: int = 5
    max_minutes: float = 55.0
    save_every: int = 10
    threads: int = 1             # two threads on a shared 2-core machine ran ~10x slower
    seed: int = 0


def lora_config(cfg: LoraTrainConfig):
    from peft import LoraConfig

    layers = list(range(max(0, cfg.n_layers - cfg.top_layers), cfg.n_layers)) if cfg.top_layers else None
    return LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, target_modules=list(cfg.targets), lora_dropout=0.0,
                      bias="none", task_type="CAUSAL_LM", layers_to_transform=layers)


def with_adapter(base_model, cfg: LoraTrainConfig | None = None, folder: str | Path | None = None):
    """The peft model around ``base_model``; with ``folder`` (a judge-lora checkpoint) its
    LoRA weights, under the configuration it was trained with."""
    from peft import get_peft_model, set_peft_model_state_dict

    if folder is not None:
        saved = load_meta(folder, KIND)["config"]
        cfg = LoraTrainConfig(**{**saved, "targets": tuple(saved["targets"])})
    model = get_peft_model(base_model, lora_config(cfg or LoraTrainConfig()))
    if folder is not None:
        set_peft_model_state_dict(model, load_tensors(folder, "adapter"))
    return model


def answer_tokens(tokenizer, text: str, answer: str) -> tuple[list[int], int]:
    """(prompt + answer + end-of-turn ids, number of prompt ids)."""
    p = encode_prompt(tokenizer, text, SYSTEM)
    a = list(tokenizer(answer, add_special_tokens=False)["input_ids"])
    end = tokenizer.convert_tokens_to_ids("<|im_end|>") if hasattr(tokenizer, "convert_tokens_to_ids") else None
    if not isinstance(end, int) or end < 0:
        end = tokenizer.eos_token_id
    return p + a + [int(end)], len(p)


def answer_loss(model, ids: list[int], n_prompt: int):
    """Mean cross-entropy of the answer tokens; the output layer runs on the answer
    positions only (a Llama-style model: ``.model`` body, ``.lm_head``), not the prompt's."""
    import torch

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    x = torch.tensor([ids])
    hidden = inner.model(input_ids=x).last_hidden_state[0, n_prompt - 1:-1]
    logits = inner.lm_head(hidden).float()
    return torch.nn.functional.cross_entropy(logits, x[0, n_prompt:])


def _schedule(step: int, total: int, cfg: LoraTrainConfig) -> float:
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    return max(0.05, 1.0 - (step - cfg.warmup) / max(total - cfg.warmup, 1))


def train(base_model, tokenizer, examples: list[tuple[str, str]], out: str | Path,
          cfg: LoraTrainConfig | None = None, clock=time.time, max_examples: int | None = None,
          init_from: str | Path | None = None) -> dict:
    """Train (or resume) a LoRA adapter on ``examples``; returns the final checkpoint's meta.
    ``max_examples`` stops this run early (at an optimiser-step boundary) so that a later
    run resumes; the wall-time budget stops it for good. ``init_from``: a judge-lora
    checkpoint whose adapter weights start this run (a second stage)."""
    import torch
    from peft import get_peft_model_state_dict

    cfg = cfg or LoraTrainConfig()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / "checkpoint"
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    model = with_adapter(base_model, cfg)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    done, spent, losses = 0, 0.0, []
    if init_from is not None and not has_checkpoint(ckpt):      # continue another run's adapter
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, load_tensors(init_from, "adapter"))
    if has_checkpoint(ckpt):
        meta = load_meta(ckpt, KIND)
        if meta.get("n_examples") != len(examples):
            raise ValueError(f"{ckpt}: written for {meta.get('n_examples')} examples, not {len(examples)}")
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, load_tensors(ckpt, "adapter"))
        optimizer_from_tensors(opt, load_tensors(ckpt, "optimizer"), meta["optimizer"])
        done, spent = int(meta["examples_done"]), float(meta["elapsed_s"])
        log.info("resuming at example %d (%.0f s spent)", done, spent)
        if done >= len(examples) or meta.get("stop_reason", "").startswith("wall-time"):
            return meta
    total_steps = max(1, len(examples) // cfg.accum)
    progress = (out / "progress.jsonl").open("a")
    model.train()
    start, step_loss, step_tokens = clock(), 0.0, 0

    def save(finished: bool, reason: str = "") -> dict:
        tensors, opt_meta = optimizer_to_tensors(opt)
        adapter = {k: v for k, v in get_peft_model_state_dict(model).items()}
        meta = {"config": asdict(cfg), "n_examples": len(examples), "examples_done": done,
                "elapsed_s": spent + clock() - start, "optimizer": opt_meta, "finished": finished,
                "stop_reason": reason, "optimizer_steps": done // cfg.accum}
        save_checkpoint(ckpt, {"adapter": adapter, "optimizer": tensors}, meta, KIND)
        return meta

    reason = "all examples"
    while done < len(examples):
        if done % cfg.accum == 0 and spent + clock() - start > cfg.max_minutes * 60:
            reason = f"wall-time budget {cfg.max_minutes} min"
            break
        if done % cfg.accum == 0 and max_examples is not None and done >= max_examples:
            reason = f"stopped at {done} examples (resume to go on)"
            break
        text, answer = examples[done]
        ids, n_prompt = answer_tokens(tokenizer, text, answer)
        loss = answer_loss(model, ids, n_prompt)
        (loss / cfg.accum).backward()
        step_loss += loss.item() / cfg.accum
        step_tokens += len(ids)
        done += 1
        if done % cfg.accum == 0:
            step = done // cfg.accum - 1
            for g in opt.param_groups:
                g["lr"] = cfg.lr * _schedule(step, total_steps, cfg)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            opt.zero_grad()
            losses.append(step_loss)
            progress.write(json.dumps({"step": step + 1, "of": total_steps, "examples_done": done,
                                       "loss": round(step_loss, 4), "tokens": step_tokens,
                                       "lr": opt.param_groups[0]["lr"],
                                       "elapsed_s": round(spent + clock() - start, 1)}) + "\n")
            progress.flush()
            step_loss, step_tokens = 0.0, 0
            if (step + 1) % cfg.save_every == 0:
                save(False)
    progress.close()
    meta = save(done >= len(examples) or reason.startswith("wall-time"), reason)
    log.info("LoRA training stopped (%s) after %d examples, %.0f s", reason, done, meta["elapsed_s"])
    return meta
