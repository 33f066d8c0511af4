// A plain TypeScript forward pass (float64, one sequence, no cache) of the four baseline families,
// written from Hugging Face transformers' modeling code (modeling_gemma3 / qwen3 / granite /
// granitemoehybrid / lfm2) and driven only by config.json fields and HF parameter names — not by the
// ONNX graph code — so the tiny graphs can be checked against it.
type Weights = Map<string, Float32Array>;
type Vec = Float64Array;

function get(w: Weights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: no weight ${name}`);
  return t;
}

/** x [in] · W ([in, out] row-major). */
function lin(x: Vec, W: Float32Array, out: number): Vec {
  const y = new Float64Array(out);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    for (let o = 0; o < out; o++) y[o] += xi * W[i * out + o];
  }
  return y;
}

function rms(x: Vec, w: Float32Array, eps: number, offset: number): Vec {
  let ms = 0;
  for (const v of x) ms += v * v;
  const r = 1 / Math.sqrt(ms / x.length + eps);
  return Float64Array.from(x, (v, i) => v * r * (offset + w[i]));
}

const add = (a: Vec, b: Vec, scale = 1): Vec => Float64Array.from(a, (v, i) => v + scale * b[i]);
const silu = (v: number) => v / (1 + Math.exp(-v));
const geluTanh = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

function rope(x: Vec, pos: number, base: number): Vec {
  const hd = x.length;
  const half = hd / 2;
  const out = new Float64Array(hd);
  for (let i = 0; i < half; i++) {
    const a = pos / Math.pow(base, (2 * i) / hd);
    out[i] = x[i] * Math.cos(a) - x[i + half] * Math.sin(a);
    out[i + half] = x[i + half] * Math.cos(a) + x[i] * Math.sin(a);
  }
  return out;
}

interface AttnOpts {
  heads: number;
  kvHeads: number;
  hd: number;
  scale: number;
  base: number;
  window?: number;
  qkNorm?: { eps: number; offset: number };
  /** LFM2 names: q_layernorm, k_layernorm, out_proj. */
  lfm2Names?: boolean;
}

/** Causal (optionally sliding-window) GQA over the whole sequence xs [S][hidden]. */
function attention(xs: Vec[], w: Weights, p: string, o: AttnOpts): Vec[] {
  const { heads, kvHeads, hd } = o;
  const split = (v: Vec, n: number) => Array.from({ length: n }, (_, h) => v.subarray(h * hd, (h + 1) * hd));
  const q = xs.map((x) => split(lin(x, get(w, `${p}.q_proj`), heads * hd), heads));
  const k = xs.map((x) => split(lin(x, get(w, `${p}.k_proj`), kvHeads * hd), kvHeads));
  const v = xs.map((x) => split(lin(x, get(w, `${p}.v_proj`), kvHeads * hd), kvHeads));
  const norm = (t: Vec[][], name: string): Vec[][] => {
    if (!o.qkNorm) return t;
    const gamma = get(w, `${p}.${o.lfm2Names ? name.replace('_norm', '_layernorm') : name}`);
    return t.map((row) => row.map((x) => rms(x, gamma, o.qkNorm!.eps, o.qkNorm!.offset)));
  };
  const qr = norm(q, 'q_norm').map((row, s) => row.map((x) => rope(x, s, o.base)));
  const kr = norm(k, 'k_norm').map((row, s) => row.map((x) => rope(x, s, o.base)));
  return xs.map((_, i) => {
    const ctx = new Float64Array(heads * hd);
    for (let h = 0; h < heads; h++) {
      const kvh = Math.floor(h / (heads / kvHeads));
      const js = [...Array(i + 1).keys()].filter((j) => o.window === undefined || i - j < o.window);
      const scores = js.map((j) => qr[i][h].reduce((acc, qv, d) => acc + qv * kr[j][kvh][d], 0) * o.scale);
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      js.forEach((j, n) => {
        for (let d = 0; d < hd; d++) ctx[h * hd + d] += (e[n] / z) * v[j][kvh][d];
      });
    }
    return lin(ctx, get(w, `${p}.${o.lfm2Names ? 'out_proj' : 'o_proj'}`), xs[0].length);
  });
}

function mlp(x: Vec, w: Weights, p: string, ffn: number, act: (v: number) => number, names = ['gate_proj', 'up_proj', 'down_proj']): Vec {
  const gate = lin(x, get(w, `${p}.${names[0]}`), ffn);
  const up = lin(x, get(w, `${p}.${names[1]}`), ffn);
  return lin(Float64Array.from(gate, (gv, i) => act(gv) * up[i]), get(w, `${p}.${names[2]}`), x.length);
}

/** Logits [S][vocab] for `tokens` at positions 0..S−1. */
export function referenceLogits(config: Record<string, any>, w: Weights, tokens: number[]): Vec[] {
  const type: string = config.model_type;
  const H: number = config.hidden_size;
  const V: number = config.vocab_size;
  const ffn: number = config.intermediate_size;
  const heads: number = config.num_attention_heads;
  const kvHeads: number = config.num_key_value_heads;
  const hd: number = config.head_dim ?? H / heads;
  const E = get(w, 'model.embed_tokens.weight');
  const gemma = type === 'gemma3_text';
  const granite = type === 'granite' || type === 'granitemoehybrid';
  const eps: number = config.rms_norm_eps ?? config.norm_eps;
  const off = gemma ? 1 : 0;
  const n = (x: Vec, name: string) => rms(x, get(w, name), eps, off);
  const embScale = gemma ? Math.sqrt(H) : granite ? config.embedding_multiplier : 1;
  let hs: Vec[] = tokens.map((t) => Float64Array.from(E.subarray(t * H, (t + 1) * H), (x) => x * embScale));
  const layerTypes: string[] = config.layer_types ?? Array.from({ length: config.num_hidden_layers }, () => 'full_attention');
  layerTypes.forEach((lt, l) => {
    const p = `model.layers.${l}`;
    if (type === 'lfm2') {
      const a = hs.map((x) => rms(x, get(w, `${p}.operator_norm`), eps, 0));
      let mixed: Vec[];
      if (lt === 'conv') {
        const L: number = config.conv_L_cache;
        const K = get(w, `${p}.conv.conv.weight`); // [H, 1, L]
        const bcx = a.map((x) => lin(x, get(w, `${p}.conv.in_proj`), 3 * H));
        const bx = bcx.map((r) => Float64Array.from({ length: H }, (_, c) => r[c] * r[2 * H + c]));
        mixed = bcx.map((r, t) => {
          // torch conv1d (cross-correlation) with L−1 zeros of left padding, first S outputs.
          const y = Float64Array.from({ length: H }, (_, c) => {
            let acc = 0;
            for (let k = 0; k < L; k++) {
              const src = t - (L - 1) + k;
              if (src >= 0) acc += K[c * L + k] * bx[src][c];
            }
            return r[H + c] * acc;
          });
          return lin(y, get(w, `${p}.conv.out_proj`), H);
        });
      } else {
        mixed = attention(a, w, `${p}.self_attn`, { heads, kvHeads, hd, scale: hd ** -0.5, base: config.rope_theta, qkNorm: { eps, offset: 0 }, lfm2Names: true });
      }
      hs = hs.map((x, s) => add(x, mixed[s]));
      hs = hs.map((x) => add(x, mlp(rms(x, get(w, `${p}.ffn_norm`), eps, 0), w, `${p}.feed_forward`, ffn, silu, ['w1', 'w3', 'w2'])));
      return;
    }
    const sliding = lt === 'sliding_attention';
    const attnOpts: AttnOpts = {
      heads,
      kvHeads,
      hd,
      scale: gemma ? config.query_pre_attn_scalar ** -0.5 : granite ? config.attention_multiplier : hd ** -0.5,
      base: gemma && sliding ? config.rope_local_base_freq : config.rope_theta,
      window: sliding ? config.sliding_window : undefined,
      qkNorm: gemma || type === 'qwen3' ? { eps, offset: off } : undefined,
    };
    const attn = attention(hs.map((x) => n(x, `${p}.input_layernorm`)), w, `${p}.self_attn`, attnOpts);
    if (gemma) {
      hs = hs.map((x, s) => add(x, n(attn[s], `${p}.post_attention_layernorm`)));
      hs = hs.map((x) => add(x, n(mlp(n(x, `${p}.pre_feedforward_layernorm`), w, `${p}.mlp`, ffn, geluTanh), `${p}.post_feedforward_layernorm`)));
    } else {
      const r = granite ? config.residual_multiplier : 1;
      hs = hs.map((x, s) => add(x, attn[s], r));
      const mlpName = granite ? `${p}.shared_mlp` : `${p}.mlp`;
      hs = hs.map((x) => add(x, mlp(n(x, `${p}.post_attention_layernorm`), w, mlpName, ffn, silu), r));
    }
  });
  const finalNorm = type === 'lfm2' ? 'model.embedding_norm' : 'model.norm';
  const logitScale = granite ? 1 / config.logits_scaling : 1;
  return hs.map((x) => {
    const h = n(x, finalNorm);
    return Float64Array.from({ length: V }, (_, t) => {
      let acc = 0;
      for (let i = 0; i < H; i++) acc += h[i] * E[t * H + i];
      return acc * logitScale;
    });
  });
}
