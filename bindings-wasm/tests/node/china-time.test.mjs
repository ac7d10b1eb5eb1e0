// Model times in China Standard Time (UTC+8) whatever the host's zone, from both entry
// points. test.sh runs this file with TZ=America/New_York (with the whole suite) and
// again with TZ=UTC; each run checks that its zone took effect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lean from 'glorycard-wasm';
import * as full from 'glorycard-wasm/full';
import { expectCode } from './helpers.mjs';

const HOUR = 3600 * 1000;

/** The UTC+8 wall clock, computed here with UTC functions only (never local getters). */
function chinaWallClock() {
  return new Date(Date.now() + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');
}

test('the process runs in the zone TZ names (a zone that did not take effect would hide a mistake)', () => {
  const zone = process.env.TZ;
  assert.ok(zone === 'UTC' || zone === 'America/New_York', `run with TZ=UTC or TZ=America/New_York, not ${zone}`);
  assert.equal(Intl.DateTimeFormat().resolvedOptions().timeZone, zone);
  // Minutes behind UTC on 1 January: 0 in UTC, 300 in New York (EST).
  assert.equal(new Date(2021, 0, 1).getTimezoneOffset(), zone === 'UTC' ? 0 : 300);
});

for (const [entry, g] of [['glorycard-wasm', lean], ['glorycard-wasm/full', full]]) {
  test(`${entry}: chinaTimeNow() and chinaTime(new Date()) are the UTC+8 wall clock in ${process.env.TZ}`, () => {
    const before = chinaWallClock();
    const results = { chinaTimeNow: g.chinaTimeNow(), chinaTime: g.chinaTime(new Date()) };
    const after = chinaWallClock();
    for (const [helper, value] of Object.entries(results)) {
      assert.ok(value === before || value === after, `${helper}: ${value}, China wall clock ${before} / ${after}`);
    }
  });

  test(`${entry}: chinaTime of fixed instants`, () => {
    // Derived by hand and checked with Python's datetime: the epoch is 08:00 in China;
    // 1617781926 s is the spec example's 2021-04-07 07:52:06 UTC.
    assert.equal(g.chinaTime(new Date(0)), '1970-01-01 08:00:00');
    assert.equal(g.chinaTime(new Date(1617781926 * 1000)), '2021-04-07 15:52:06');
    assert.equal(g.chinaTime(new Date('2021-04-07T03:52:06-04:00')), '2021-04-07 15:52:06');
    // Milliseconds are floored, before the epoch too.
    assert.equal(g.chinaTime(new Date(1617781926 * 1000 + 999)), '2021-04-07 15:52:06');
    assert.equal(g.chinaTime(new Date(-500)), '1970-01-01 07:59:59');
    // A local-time constructor is read as the instant it names: midnight local time.
    const localMidnight = new Date(2021, 0, 1);
    const expected = process.env.TZ === 'UTC' ? '2021-01-01 08:00:00' : '2021-01-01 13:00:00';
    assert.equal(g.chinaTime(localMidnight), expected);
  });

  test(`${entry}: chinaTime refuses what is not a valid Date`, () => {
    for (const bad of [new Date(NaN), '2021-04-07 15:52:06', 1617781926000, undefined, { getTime: () => 0 }]) {
      assert.throws(() => g.chinaTime(bad), (error) => {
        expectCode('invalid_argument')(error);
        assert.ok(error instanceof TypeError);
        return true;
      });
    }
    // The largest Date, +275760-09-13, is outside years 0001-9999.
    assert.throws(() => g.chinaTime(new Date(8.64e15)), expectCode('invalid_timestamp'));
  });
}
