// Shared by the Node and the Chromium benchmark (plain ESM, no Node-only imports): the
// bodies, the pure-JavaScript signing a front-end developer would write, and the timer.

export const SPEC_KEY = '4fd6b8105f894d0da964b1e80b07b136';
export const SPEC_TIMESTAMP = '20210407155206';
export const SPEC_SIGN = 'ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c';

/** A deterministic `store/all` roster page of `count` records, compact JSON as the platform sends it. */
export function rosterPage(count, seed = 1) {
  let state = seed >>> 0;
  const next = (bound) => {
    // xorshift32: deterministic, good enough for synthetic data.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % bound;
  };
  const regions = ['331001', '331002', '330102', '110105', '440524', '320106'];
  const surnames = ['张', '王', '李', '赵', '陈', '刘', '杨', '黄', '吴', '周', '徐', '孙'];
  const given = ['伟', '芳', '娜', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰', '小凡', '建国', '秀英'];
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const data = [];
  for (let id = 1; id <= count; id++) {
    const pad = (n, w) => String(n).padStart(w, '0');
    const first17 =
      regions[next(regions.length)] + pad(1925 + next(80), 4) + pad(1 + next(12), 2) + pad(1 + next(28), 2) + pad(next(1000), 3);
    const sum = [...first17].reduce((acc, ch, i) => acc + Number(ch) * weights[i], 0);
    const check = '10X98765432'[sum % 11];
    data.push({
      certType: '1',
      certNo: first17 + check,
      certName: surnames[next(surnames.length)] + given[next(given.length)],
      gloryType: '1',
      gloryID: 10000 + id,
      dataID: id,
    });
  }
  return JSON.stringify({ responseFlag: '1', responseMessage: '成功', data });
}

/** STRINGA the way a front-end developer writes it: JSON.parse, recursive flatten, sort. */
export function stringAByHand(text) {
  const flat = {};
  const walk = (value, name) => {
    if (value === null || value === '') return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${name}[${i}]`));
    } else if (typeof value === 'object') {
      for (const key of Object.keys(value)) {
        if (name === '' && key === 'sign') continue;
        walk(value[key], name === '' ? key : `${name}.${key}`);
      }
    } else {
      flat[name] = String(value);
    }
  };
  walk(JSON.parse(text), '');
  return Object.keys(flat)
    .sort()
    .map((name) => `${name}=${flat[name]}`)
    .join('&');
}

/** The whole signature with crypto-js (`CryptoJS.MD5`, `CryptoJS.HmacSHA256`). */
export function cryptoJsSigner(CryptoJS) {
  return (text, key, timestamp) => {
    const md5 = CryptoJS.MD5(`${stringAByHand(text)}&key=${key}&timestamp=${timestamp}`).toString().toUpperCase();
    return CryptoJS.HmacSHA256(md5, key).toString();
  };
}

/** Runs `fn` for about `budgetMs` after a warm-up; returns microseconds per call. */
export function measure(fn, budgetMs, now) {
  const warmUntil = now() + budgetMs / 5;
  let calls = 0;
  while (now() < warmUntil || calls < 3) {
    fn();
    calls++;
  }
  const start = now();
  let done = 0;
  let batch = 1;
  while (now() - start < budgetMs) {
    for (let i = 0; i < batch; i++) fn();
    done += batch;
    batch = Math.min(batch * 2, 256);
  }
  return ((now() - start) * 1000) / done;
}
