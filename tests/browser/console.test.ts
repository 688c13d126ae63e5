/**
 * The console in a real browser on the simulated 8-headstage rig: one journey through the
 * criteria of console.md this issue targets (1, 2, 3, 5, 8, 10, 12, 14, 15, 24, 25) and the
 * Results tab of the online analysis (issue 7). It checks the console's hooks (data-frames,
 * data-mode, data-state, texts) rather than pixels, and leaves screenshots in test-artifacts/ for
 * a human look.
 */
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Rig } from '../../src/rig/open-rig.ts';
import { buildApp } from '../../src/server/app.ts';
import { passiveRig, tempDir } from '../server/helpers.ts';
import { buildConsole, chromiumMissing, launchChromium } from './browser.ts';

/** How long the service may take to apply a mode switch and report a test pulse in the new mode, ms (see its use). */
const MODE_SWITCH_MS = 15_000;

const HS = 8;
const ARTIFACTS = 'test-artifacts';
const missing = chromiumMissing();

/** A plain `/ws` client that counts the test-pulse events the service sends. */
async function testPulseCounter(base: string): Promise<{ count: () => number; close: () => void }> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`);
  let n = 0;
  ws.on('message', (data, isBinary) => {
    if (!isBinary && (JSON.parse(String(data)) as { type: string }).type === 'testpulse') n++;
  });
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', fail);
  });
  return { count: () => n, close: () => ws.close() };
}

if (missing && process.env.CI) {
  describe('console in Chromium', () => {
    it('needs Chromium in CI', () => {
      throw new Error(`${missing} (CI is set, so the browser tests must run)`);
    });
  });
} else if (missing) {
  console.warn(`browser tests skipped: ${missing}`);
  describe.skip(`console in Chromium (skipped: ${missing})`, () => {
    it('journey', () => undefined);
  });
} else {
  describe('console in Chromium', () => {
    let rig: Rig;
    let app: FastifyInstance;
    let url: string;
    let browser: Browser;
    const contexts: BrowserContext[] = [];

    beforeAll(async () => {
      await buildConsole();
      rig = await passiveRig(HS);
      // Rests pass in real time (the ITI countdown, pause and resume are visible); the simulated
      // devices compute as fast as they can.
      app = buildApp({ rig, dataDir: await tempDir('patchrig-console-'), speed: 'realtime' });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      browser = await launchChromium();
      mkdirSync(ARTIFACTS, { recursive: true });
    }, 60_000);

    afterAll(async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser?.close();
      await app?.close();
      await rig?.close?.();
    });

    /** A console page in a fresh context (its own cookies, storage and /ws connection). */
    async function open(viewport = { width: 1920, height: 1080 }): Promise<Page> {
      const ctx = await browser.newContext({ viewport });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.goto(url);
      return page;
    }

    const frames = (p: Page) => p.evaluate<number[]>(`[...document.querySelectorAll('[data-testid^="lane-"][data-hs]')].map((e) => Number(e.dataset.frames))`);
    const attr = (p: Page, testid: string, name: string) => p.getByTestId(testid).getAttribute(name);
    const text = async (p: Page, testid: string) => (await p.getByTestId(testid).textContent()) ?? '';

    /** Every lane received trace frames after `before` (all 8 headstages live at once). */
    async function allLanesLive(p: Page, timeout = 10_000): Promise<void> {
      const before = await frames(p);
      await expect.poll(async () => (await frames(p)).map((n, i) => n > (before[i] ?? 0)), { timeout, interval: 200 }).toEqual(Array(HS).fill(true));
    }

    interface Analysis {
      experiment: string;
      counts: { sweeps: number; includedSweeps: number; excludedSweeps: number; excludedRecordings: number; usedResponses: number; excludedResponses: number };
      pairs: { pre: number; post: number; status: string }[];
    }

    /**
     * The Results tab after a probe run (issue 7): a matrix cell for every ordered pair of the
     * experiment's headstages, each with the status of the service's latest analysis (a pair not
     * analysed yet is 'none'), and its counts, including what was excluded. `live` has followed
     * the events; a console opened afterwards gets the same from the REST route. The simulated
     * cells here are passive (no synapses), so connections themselves are not asserted.
     */
    async function checkResults(controller: Page, live: Page): Promise<void> {
      const latest = async () => {
        const r = await app.inject({ url: '/api/experiments/current/analysis' });
        expect(r.statusCode, r.body).toBe(200);
        return r.json() as Analysis;
      };
      const exp = (await app.inject({ url: '/api/experiments/current' })).json() as { headstages: number[]; stored: number };
      const hss = exp.headstages.slice().sort((x, y) => x - y);
      expect(hss.length).toBeGreaterThanOrEqual(2);
      // Every stored sweep is analysed; the last one's result may land a moment after the abort.
      let event = await latest();
      await expect.poll(async () => (event = await latest()).counts.sweeps, { timeout: 10_000 }).toBe(exp.stored);
      expect(event.counts.sweeps).toBeGreaterThanOrEqual(1);
      const c = event.counts;
      expect(c.includedSweeps + c.excludedSweeps).toBe(c.sweeps);
      const countsLine = new RegExp(`^${c.sweeps} sweeps? analysed: ${c.includedSweeps} used, ${c.excludedSweeps} excluded · ${c.usedResponses} responses? used, ${c.excludedResponses} excluded · ${c.excludedRecordings} recordings? failed QC$`);
      const statusOf = (pre: number, post: number) => (pre === post ? 'self' : (event.pairs.find((p) => p.pre === pre && p.post === post)?.status ?? 'none'));
      const expected = hss.flatMap((pre) => hss.map((post) => `${pre}-${post}:${statusOf(pre, post)}`));
      const cells = (p: Page) => p.evaluate<string[]>(`[...document.querySelectorAll('[data-testid^="cm-"]')].map((e) => e.dataset.testid.slice(3) + ':' + e.dataset.status)`);

      await controller.getByTestId('tab-results').click();
      const late = await open();
      await late.getByTestId('tab-results').click();
      for (const p of [live, controller, late]) {
        await expect.poll(() => attr(p, 'results', 'data-sweeps'), { timeout: 5000 }).toBe(String(c.sweeps));
        expect(await cells(p)).toEqual(expected);
        expect(await text(p, 'results-counts')).toMatch(countsLine);
      }
      // The late console had no events: what it shows came from GET …/analysis.
      expect(await attr(late, 'results', 'data-source')).toBe('fetch');
      // Rows and columns are labelled with the lanes' headstages, in their colours.
      expect(await controller.locator('[data-testid="cmatrix"] tr:first-child th.cm-head').allTextContents()).toEqual(hss.map((hs) => expect.stringMatching(new RegExp(`^HS ${hs + 1}`))));
      const cell = controller.getByTestId(`cm-${hss[0]}-${hss[1]}`);
      await cell.click();
      expect(await text(controller, 'pair-title')).toBe(`HS ${(hss[0] ?? 0) + 1} → HS ${(hss[1] ?? 0) + 1}`);
      expect(await text(controller, 'pair-details')).toMatch(/^status.*PSP amplitude.*(mV|pA).*latency.*ms.*p-value.*trials\d+/);
      await controller.screenshot({ path: `${ARTIFACTS}/console-results.png` });
      await checkDrawing(late, hss);
      await late.context().close();
    }

    /**
     * How connections are drawn, which the passive test rig cannot produce: the console's Results
     * tab reopened while `GET …/analysis` answers a made-up newer result of the current experiment
     * with an excitatory, an inhibitory and an uncertain pair, plasticity curves and a TM fit.
     */
    async function checkDrawing(p: Page, hss: number[]): Promise<void> {
      const experiment = (await attr(p, 'results', 'data-experiment')) ?? '';
      const [h0, h1, h2, h3] = hss as [number, number, number, number];
      const unconnected = { status: 'unconnected', pValue: 0.5, strength: 1e-5, sign: 0, uncertain: false, trials: 8, pspAmplitude: null, pspLatency: null, plasticity: [], tm: null };
      const curve = (frequency: number, recoveryDelay: number, decay: number) => ({ frequency, recoveryDelay, trials: 4, amplitudes: Array.from({ length: 12 }, (_, i) => 1.2e-3 * decay ** (i < 8 ? i : i - 6)), pairedPulseRatio: decay });
      const special: Record<string, object> = {
        [`${h0}/${h1}`]: { status: 'connected', pValue: 1e-6, strength: 1e-3, sign: 1, pspAmplitude: 1.2e-3, pspLatency: 1.8e-3, plasticity: [curve(50, 0.25, 0.8), curve(20, 0.25, 0.9)], tm: { U: 0.4, tauRec: 0.3, tauFacil: 0.02, relativeErrors: { U: 0.04, tauRec: 0.05, tauFacil: 0.2 }, unresolved: ['tauFacil'] } },
        [`${h1}/${h0}`]: { status: 'connected', pValue: 1e-3, strength: -3e-4, sign: -1, pspAmplitude: -0.4e-3, pspLatency: 2.2e-3, plasticity: [curve(50, 0.25, 1.05)], tm: null },
        [`${h2}/${h3}`]: { status: 'uncertain', uncertain: true, pValue: 0.03, strength: 1e-4 },
      };
      const pairs = hss.flatMap((pre) => hss.filter((post) => post !== pre && !(pre === h3 && post === h2)).map((post) => ({ ...unconnected, pre, post, ...special[`${pre}/${post}`] })));
      const body = { experiment, sweep: 3, included: false, exclusion: 'aborted', counts: { sweeps: 4, includedSweeps: 3, excludedSweeps: 1, excludedRecordings: 2, usedResponses: 90, excludedResponses: 30 }, pairs };
      await p.route('**/api/experiments/current/analysis', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) }));
      await p.getByTestId('tab-overview').click();
      await p.getByTestId('tab-results').click();
      await expect.poll(() => attr(p, 'results', 'data-sweeps'), { timeout: 5000 }).toBe('4');
      const cell = async (pre: number, post: number) => {
        const c = p.getByTestId(`cm-${pre}-${post}`);
        return { status: await c.getAttribute('data-status'), mark: await c.textContent(), rgb: (await p.evaluate<string>(`getComputedStyle(document.querySelector('[data-testid="cm-${pre}-${post}"]')).backgroundColor`)).match(/\d+/g)?.map(Number) ?? [] };
      };
      const exc = await cell(h0, h1);
      const inh = await cell(h1, h0);
      expect([exc.status, exc.mark, inh.status, inh.mark]).toEqual(['connected', '+', 'connected', '−']);
      expect(exc.rgb[0]).toBeGreaterThan((exc.rgb[2] ?? 0) + 100);
      expect(inh.rgb[2]).toBeGreaterThan((inh.rgb[0] ?? 0) + 50);
      expect(await cell(h2, h3)).toMatchObject({ status: 'uncertain', mark: '?' });
      expect(await cell(h3, h2)).toMatchObject({ status: 'none', mark: '' });
      expect(await cell(h2, h1)).toMatchObject({ status: 'unconnected', mark: '' });
      expect(await text(p, 'results-sweep')).toBe('after sweep #3 (excluded: aborted)');
      // The strongest connection is shown by default: its numbers and one curve per condition.
      expect(await text(p, 'pair-title')).toBe(`HS ${h0 + 1} → HS ${h1 + 1}`);
      expect(await text(p, 'pair-details')).toMatch(/connected \(excitatory\).*PSP amplitude1\.20 mV.*latency1\.80 ms.*p-value1\.0e-6.*TM U0\.400 ± 4\.0 %.*TM τrec300 ms ± 5\.0 %.*TM precisionτfacil beyond ±15 %: add repetitions.*PPR 20 Hz · 250 ms0\.900.*PPR 50 Hz · 250 ms0\.800/);
      expect(await p.locator('[data-testid="stp-legend"] span').allTextContents()).toEqual(['■ 20 Hz · 250 ms (4 trials)', '■ 50 Hz · 250 ms (4 trials)']);
      expect(await p.locator('[data-testid="stp-plot"] canvas').count()).toBe(1);
      await p.getByTestId('stp-normalise').check();
      await expect.poll(() => text(p, 'stp-title')).toMatch(/× pulse 1/);
      // Hover shows another pair's numbers; a click moves the plot to it.
      await p.getByTestId(`cm-${h1}-${h0}`).hover();
      expect(await text(p, 'pair-details')).toMatch(/connected \(inhibitory\).*PSP amplitude-0\.400 mV/);
      await p.getByTestId(`cm-${h1}-${h0}`).click();
      expect(await p.locator('[data-testid="stp-legend"] span').allTextContents()).toEqual(['■ 50 Hz · 250 ms (4 trials)']);
      await p.getByTestId(`cm-${h0}-${h1}`).click();
      await p.screenshot({ path: `${ARTIFACTS}/console-results-drawing.png` });
    }

    it('shows every headstage live, switches a mode by key, runs and controls a protocol, and keeps viewers read-only', async () => {
      const t0 = Date.now();
      const marks: string[] = [];
      const mark = (what: string) => marks.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const root = await app.inject({ url: '/' });
      expect(root.statusCode, `GET / must serve the built console (ui/dist); got ${root.statusCode}: ${root.body.slice(0, 200)}`).toBe(200);
      expect(root.headers['content-type']).toMatch(/text\/html/);

      // ---- controller page: 8 lanes labelled HS n · cell · mode · unit (criterion 1)
      const a = await open();
      await expect.poll(() => a.getByTestId(/^lane-\d$/).count()).toBe(HS);
      expect(await text(a, 'lane-title-0')).toMatch(/^HS 1 · .+ · (VC|IC|I=0) · (pA|mV)/);
      await expect.poll(() => attr(a, 'connection', 'data-state')).toBe('open');
      await a.getByTestId('take-control').click();
      await expect.poll(() => attr(a, 'seat', 'data-role')).toBe('controller');

      mark('test pulse on with T');
      // ---- test pulse on with T: traces of all 8 headstages and their TP numbers (criteria 1, 3, 5)
      const counter = await testPulseCounter(url);
      const tpKey = Date.now();
      await a.keyboard.press('t');
      await expect.poll(() => attr(a, 'btn-tp', 'data-running'), { timeout: 5000 }).toBe('true');
      await expect.poll(async () => Number(await attr(a, 'lane-0', 'data-tp')), { timeout: 5000, interval: 20 }).toBeGreaterThan(0);
      const tpOnMs = Date.now() - tpKey;
      await allLanesLive(a);
      // Every headstage's numbers at once, with units and the age of the last reading (criterion 3).
      const tpTexts = (p: Page) => p.evaluate<string[][]>(`[...Array(${HS}).keys()].map((hs) => ['Ra', 'Cm', 'hold'].map((m) => document.querySelector('[data-testid="tp-' + hs + '-' + m + '"]')?.textContent ?? '').concat(document.querySelector('[data-testid="tp-age-' + hs + '"]')?.textContent ?? ''))`);
      const tpShape = [/^-?\d[\d.]* [MG]Ω$/, /^-?\d[\d.]* pF$/, /^-?\d[\d.]* (pA|mV)$/, /^TP .* ago$/];
      await expect.poll(async () => (await tpTexts(a)).every((row) => row.every((t, i) => tpShape[i]?.test(t))), { timeout: 5000 }).toBe(true);
      // TP speed (criterion 5): the browser shows every reading the service sends — all that a
      // plain /ws client counted since the key was pressed arrive (none dropped, none late by more
      // than the poll). The absolute rate (≥ 20/s) is the service's and follows the machine's
      // load, so it is logged here; the service's own tests hold it.
      await a.waitForTimeout(2000);
      const sent = counter.count();
      const sentRate = sent / ((Date.now() - tpKey - tpOnMs) / 1000);
      await expect.poll(async () => Number(await attr(a, 'lane-0', 'data-tp')), { timeout: 3000 }).toBeGreaterThanOrEqual(sent);
      counter.close();
      console.log(`test pulse: first reading on screen ${tpOnMs} ms after T; the service sent ${sentRate.toFixed(1)} TP/s per HS, every one shown`);
      // The service decimates to the plot's pixel width: min/max per screen column (criterion 15).
      const widths = await a.evaluate<number[]>(`[Number(document.body.dataset.subscribedWidth), document.querySelector('[data-testid="lane-0"] .lane-plot').clientWidth]`);
      expect(Math.abs((widths[0] ?? 0) - (widths[1] ?? 0))).toBeLessThanOrEqual(1);
      // Scale bars with units on the traces (criterion 16).
      expect(await text(a, 'scalebar-0')).toMatch(/^[\d.]+ (pA|mV) · [\d.]+ m?s$/);

      // A changed TP amplitude is sent at once (it applies from the next cycle, server side).
      await a.locator('[data-testid="tp-panel"] summary').click();
      await a.getByTestId('tp-vc-amplitude').fill('-5');
      await a.getByTestId('tp-vc-amplitude').press('Enter');
      await expect.poll(async () => ((await app.inject({ url: '/api/testpulse' })).json() as { settings: { vc: { amplitude: number } } }).settings.vc.amplitude, { timeout: 2000 }).toBeCloseTo(-0.005, 9);

      mark('zoom and autoscale');
      // ---- zoom and autoscale (criterion 14): wheel fixes a lane's y range, double-click and A return to Auto
      const over = a.locator('[data-testid="lane-0"] .u-over');
      const box = await over.boundingBox();
      if (!box) throw new Error('lane 0 has no plot area');
      await a.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await a.mouse.wheel(0, -240);
      await expect.poll(() => attr(a, 'lane-0', 'data-ymode')).toBe('fixed');
      expect(await text(a, 'ymode-0')).toBe('Fixed');
      await over.dblclick();
      await expect.poll(() => attr(a, 'lane-0', 'data-ymode')).toBe('auto');
      await a.mouse.wheel(0, 240);
      await a.getByTestId('ymode-3').click();
      await expect.poll(async () => [await attr(a, 'lane-0', 'data-ymode'), await attr(a, 'lane-3', 'data-ymode')]).toEqual(['fixed', 'fixed']);
      // The button cycles on to Interval, which shows its span (the range in force) for editing.
      await a.getByTestId('ymode-3').click();
      await expect.poll(() => attr(a, 'lane-3', 'data-ymode')).toBe('interval');
      expect(await text(a, 'ymode-3')).toBe('Interval');
      expect(Number(await a.getByTestId('yspan-3').inputValue())).toBeGreaterThan(0);
      await a.keyboard.press('a');
      await expect.poll(async () => [await attr(a, 'lane-0', 'data-ymode'), await attr(a, 'lane-3', 'data-ymode')]).toEqual(['auto', 'auto']);

      // TP history of every headstage at once (criterion 4).
      await a.getByTestId('tab-tphistory').click();
      await expect.poll(async () => Number(await attr(a, 'tp-history', 'data-seconds')), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      await a.getByTestId('tab-overview').click();

      mark('a viewer elsewhere');
      // ---- a viewer elsewhere sees the same, cannot control; the controller sees it watching (24)
      // The viewer is on a laptop screen.
      const b = await open({ width: 1366, height: 768 });
      await expect.poll(() => attr(b, 'connection', 'data-state')).toBe('open');
      await allLanesLive(b);
      await expect.poll(() => text(b, 'tp-5-Ra'), { timeout: 5000 }).toMatch(/Ω$/);
      expect(await attr(b, 'seat', 'data-role')).toBe('viewer');
      expect(await text(b, 'seat')).toMatch(/^Viewer — controls disabled/);
      expect(await b.getByTestId('btn-start').isDisabled()).toBe(true);
      expect(await b.getByTestId('btn-tp').isDisabled()).toBe(true);
      expect(await b.getByTestId('mode-IC').isDisabled()).toBe(true);
      await expect.poll(() => text(a, 'seat')).toMatch(/1 viewer watching/);
      await b.keyboard.press('t');
      await expect.poll(() => text(b, 'error-banner')).toMatch(/View only/);
      expect(((await app.inject({ url: '/api/testpulse' })).json() as { running: boolean }).running).toBe(true);
      // The viewer watches the results while the run goes on (issue 7): nothing to show before it.
      await b.getByTestId('tab-results').click();
      await expect.poll(() => text(b, 'results-status')).toMatch(/^No analysis yet/);
      expect(await b.getByTestId(/^cm-\d+-\d+$/).count()).toBe(0);

      mark('one keystroke mode switch');
      // ---- one keystroke mode switch: select HS 3, press I, then V (criterion 2)
      await a.keyboard.press('3');
      await expect.poll(() => attr(a, 'lane-2', 'data-selected')).toBe('true');
      await a.evaluate(`document.body.dataset.keyLatency = ''; document.body.dataset.keyPaintLatency = ''`);
      await a.keyboard.press('i');
      // The key is handled (the lane shows "→ IC…") at once, without waiting for the service. The
      // target is < 100 ms on a rig PC; this shared 2-core test machine queues input behind other
      // processes, so the bound here is 250 ms (it still fails if the switch waited for a reply).
      // Both the handled and the painted latency are logged.
      await expect.poll(() => a.evaluate<string>(`document.body.dataset.keyPaintLatency ?? ''`)).not.toBe('');
      const keyLatency = Number(await a.evaluate<string>(`document.body.dataset.keyLatency`));
      console.log(`mode key: handled ${keyLatency} ms, painted ${await a.evaluate<string>(`document.body.dataset.keyPaintLatency`)} ms after the key event`);
      expect(keyLatency).toBeLessThan(250);
      // The service's side of the switch (mode set, then the test pulse's first result in the new
      // mode) is a round trip through the simulated devices: in CI it runs beside the ground-truth
      // scenario's probe runs on two cores, where it once took over 5 s.
      await expect.poll(() => attr(a, 'lane-2', 'data-mode'), { timeout: MODE_SWITCH_MS }).toBe('IC');
      expect(await attr(a, 'lane-2', 'data-unit')).toBe('mV');
      expect(await text(a, 'lane-title-2')).toMatch(/^HS 3 · .+ · IC · mV/);
      expect(((await app.inject({ url: '/api/headstages/2' })).json() as { mode: string }).mode).toBe('IC');
      await expect.poll(() => text(a, 'tp-2-hold'), { timeout: MODE_SWITCH_MS }).toMatch(/mV$/);
      await expect.poll(() => attr(b, 'lane-2', 'data-mode'), { timeout: MODE_SWITCH_MS }).toBe('IC');
      await allLanesLive(a);
      await a.screenshot({ path: `${ARTIFACTS}/console.png` });
      await a.keyboard.press('v');
      await expect.poll(() => attr(a, 'lane-2', 'data-mode'), { timeout: MODE_SWITCH_MS }).toBe('VC');
      expect(await attr(a, 'lane-2', 'data-unit')).toBe('pA');

      mark('a short probe protocol');
      // ---- a short probe protocol: start, progress, pause, resume, abort (criteria 8, 10, 25)
      expect(await text(a, 'recording')).toMatch(/^Not recording/);
      await a.getByTestId('protocol-select').selectOption('synphys-probe');
      await a.getByTestId('param-conditions').fill('[{"frequency":200,"recoveryDelay":0.02}]');
      await a.getByTestId('param-baselineBefore').fill('0.05');
      await a.getByTestId('param-tailAfter').fill('0.05');
      await a.getByTestId('param-repetitions').fill('4');
      // 8 s from the end of one sweep to the next: a rest of seconds even when sweeps compute slowly.
      await a.getByTestId('param-interSweepInterval').fill('8');
      await a.getByTestId('param-itiMode').selectOption('endToStart');
      await expect.poll(() => text(a, 'param-check'), { timeout: 5000 }).toMatch(/valid/);
      mark('start clicked');
      await a.getByTestId('btn-start').click();
      await expect.poll(() => attr(a, 'run-state', 'data-state'), { timeout: 10_000 }).toMatch(/^(preparing|idle|acquiring|resting)$/);
      await expect.poll(() => text(a, 'recording')).toMatch(/^Recording → .+\.nwb/);
      expect(await text(a, 'next-protocol')).toBe('synphys-probe');
      await expect.poll(() => text(a, 'sweep-progress')).toMatch(/^sweep \d of 4$/);
      await expect.poll(() => text(a, 'recording'), { timeout: 20_000 }).toMatch(/saved through sweep #0/);
      await expect.poll(() => text(a, 'iti-countdown'), { timeout: 15_000 }).toMatch(/^ITI \d:\d\d$/);
      expect(await text(a, 'eta')).toMatch(/^ETA /);
      // The viewer follows the run and cannot abort it.
      await expect.poll(() => attr(b, 'run-state', 'data-state')).toMatch(/^(acquiring|resting)$/);
      await b.keyboard.press('Escape');
      await expect.poll(() => text(b, 'error-banner')).toMatch(/View only: take control to abort/);
      // Its open Results tab follows the `analysis` events as sweeps are analysed.
      await expect.poll(async () => Number(await attr(b, 'results', 'data-sweeps')), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      expect(await attr(b, 'results', 'data-source')).toBe('event');

      mark('rest seen');
      await a.keyboard.press(' ');
      await expect.poll(() => attr(a, 'run-state', 'data-state'), { timeout: 15_000 }).toBe('paused');
      mark('paused');
      const pausedAt = await text(a, 'sweep-progress');
      await a.waitForTimeout(1000);
      expect(await text(a, 'sweep-progress')).toBe(pausedAt);
      expect(await attr(a, 'run-state', 'data-state')).toBe('paused');
      mark('held');
      // S steps one sweep and pauses again.
      await a.keyboard.press('s');
      await expect.poll(() => text(a, 'sweep-progress'), { timeout: 15_000 }).not.toBe(pausedAt);
      await expect.poll(() => attr(a, 'run-state', 'data-state'), { timeout: 15_000 }).toBe('paused');
      mark('stepped');
      await a.keyboard.press(' ');
      await expect.poll(() => attr(a, 'run-state', 'data-state'), { timeout: 5000 }).toMatch(/^(acquiring|resting)$/);
      // Esc aborts at once, in the rest or mid-sweep.
      await a.keyboard.press('Escape');
      await expect.poll(() => attr(a, 'run-state', 'data-state'), { timeout: 10_000 }).toBe('aborted');
      await expect.poll(() => text(a, 'recording')).toMatch(/^Not recording — last file .+\.nwb \(\d+ sweeps? saved, aborted\)/);
      await expect.poll(() => attr(b, 'run-state', 'data-state')).toBe('aborted');
      mark('results');
      await checkResults(a, b);
      await b.getByTestId('tab-overview').click();

      mark('sweep browser');
      // ---- sweep browser: the recorded sweeps, stimulus and response (criterion 12)
      await a.getByTestId('tab-sweeps').click();
      await expect.poll(() => a.getByTestId(/^sweep-row-\d+$/).count(), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      await expect.poll(() => attr(a, 'sweep-browser', 'data-shown'), { timeout: 5000 }).toBe('1');
      await a.getByTestId('sb-overlay').fill('3');
      await a.getByTestId('sb-overlay').dispatchEvent('change');
      await expect.poll(async () => Number(await attr(a, 'sweep-browser', 'data-shown')), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      // Cursors A–B measure every shown trace (criterion 13): a row per headstage and sweep.
      await expect.poll(() => a.locator('[data-testid="cursor-table"] tr').count(), { timeout: 5000 }).toBeGreaterThan(HS);
      await a.screenshot({ path: `${ARTIFACTS}/console-sweeps.png` });
      // Select by step (criterion 12): every 2nd sweep, counted back from the newest, the last 3 of them.
      const rows = await a.getByTestId(/^sweep-row-\d+$/).count();
      await a.getByTestId('sb-step').fill('2');
      await a.getByTestId('sb-step').dispatchEvent('change');
      await expect.poll(async () => Number(await attr(a, 'sweep-browser', 'data-shown')), { timeout: 5000 }).toBe(Math.min(3, Math.ceil(rows / 2)));

      mark('the test pulse comes back');
      // ---- the test pulse comes back after the run; every lane streams again
      await a.getByTestId('tab-overview').click();
      await allLanesLive(a, 15_000);
      await b.screenshot({ path: `${ARTIFACTS}/console-viewer.png` });

      mark('end');
      console.log(`console journey: ${marks.join(' · ')}`);
    }, 120_000);
  });
}
