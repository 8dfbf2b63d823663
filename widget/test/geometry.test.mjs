// Unit tests of the pure positioning core (src/geometry.ts) over fake rects; the browser tests
// (tests/widget/test_geometry.py, test_targets.py) cover the DOM side. Run with `npm test`,
// which bundles the module first. Every expected figure is worked out by hand from GAP = 12
// (target to card) and PAD = 8 (kept free at the viewport's edges): a side fits when its room
// (space minus the card) is at least GAP + PAD = 20.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

if (!process.env.SHIRUBE_GEOMETRY) throw new Error("run through `npm test --prefix widget` (test/run.mjs bundles src/geometry.ts)");
const { GAP, PAD, place, visible } = await import(pathToFileURL(process.env.SHIRUBE_GEOMETRY).href);

/** A DOMRect-like box: both the x/y/width/height and the left/top/right/bottom forms. */
const rect = (x, y, width, height) => ({ x, y, width, height, left: x, top: y, right: x + width, bottom: y + height });
const VIEW = { x: 0, y: 0, width: 1000, height: 800 };
// A 200×100 card, the size used unless a test says otherwise.
const W = 200;
const H = 100;
// The target most tests use: middle of the page, room on every side.
const MIDDLE = rect(400, 300, 100, 40);

test("the constants the figures below are computed from", () => {
  assert.equal(GAP, 12);
  assert.equal(PAD, 8);
});

describe("place: the preferred side", () => {
  test("bottom fits: centred under the target, GAP below it", () => {
    // room 800 - 340 - 100 = 360; x = 400 + 50 - 100 = 350; y = 340 + 12; arrow = 450 - 350 - 5
    assert.deepEqual(place(MIDDLE, W, H, "bottom", VIEW), { x: 350, y: 352, side: "bottom", vertical: true, arrow: 95 });
  });

  test("top fits", () => {
    // room 300 - 100 = 200; y = 300 - 12 - 100
    assert.deepEqual(place(MIDDLE, W, H, "top", VIEW), { x: 350, y: 188, side: "top", vertical: true, arrow: 95 });
  });

  test("right fits: centred beside the target", () => {
    // room 1000 - 500 - 200 = 300; x = 500 + 12; y = 300 + 20 - 50 = 270; arrow = 320 - 270 - 5
    assert.deepEqual(place(MIDDLE, W, H, "right", VIEW), { x: 512, y: 270, side: "right", vertical: false, arrow: 45 });
  });

  test("left fits", () => {
    // room 400 - 200 = 200; x = 400 - 12 - 200
    assert.deepEqual(place(MIDDLE, W, H, "left", VIEW), { x: 188, y: 270, side: "left", vertical: false, arrow: 45 });
  });

  test("auto is bottom", () => {
    assert.deepEqual(place(MIDDLE, W, H, "auto", VIEW), place(MIDDLE, W, H, "bottom", VIEW));
  });

  test("room of exactly GAP + PAD is enough", () => {
    // bottom 680: room 800 - 680 - 100 = 20; y = 680 + 12 = 692, its bottom edge 792 = 800 - PAD
    const ref = rect(400, 640, 100, 40);
    assert.deepEqual(place(ref, W, H, "bottom", VIEW), { x: 350, y: 692, side: "bottom", vertical: true, arrow: 95 });
    // one pixel lower and it flips
    assert.equal(place(rect(400, 641, 100, 40), W, H, "bottom", VIEW).side, "top");
  });
});

describe("place: flip", () => {
  test("bottom lacks room: the opposite side, top", () => {
    // room below 800 - 740 - 100 = -40; above 700 - 100 = 600; y = 700 - 12 - 100
    const ref = rect(400, 700, 100, 40);
    assert.deepEqual(place(ref, W, H, "bottom", VIEW), { x: 350, y: 588, side: "top", vertical: true, arrow: 95 });
  });

  test("left lacks room: the opposite side, right", () => {
    // room on the left 100 - 200 = -100; on the right 1000 - 200 - 200 = 600; x = 200 + 12
    const ref = rect(100, 300, 100, 40);
    assert.deepEqual(place(ref, W, H, "left", VIEW), { x: 212, y: 270, side: "right", vertical: false, arrow: 45 });
  });

  test("neither top nor bottom: right next", () => {
    // a tall target (50 to 750): above 50 - 100 < 0, below 800 - 750 - 100 < 0, right 600.
    // y = 50 + 350 - 50 = 350; arrow = 400 - 350 - 5 = 45
    const ref = rect(100, 50, 100, 700);
    assert.deepEqual(place(ref, W, H, "top", VIEW), { x: 212, y: 350, side: "right", vertical: false, arrow: 45 });
  });

  test("neither top, bottom nor right: left", () => {
    // right 1000 - 900 - 200 = -100, left 800 - 200 = 600; x = 800 - 12 - 200
    const ref = rect(800, 50, 100, 700);
    assert.deepEqual(place(ref, W, H, "top", VIEW), { x: 588, y: 350, side: "left", vertical: false, arrow: 45 });
  });

  test("neither left nor right: bottom, then top", () => {
    // a wide target (50 to 950): left 50 - 200 < 0, right 1000 - 950 - 200 < 0, bottom 800 - 340 - 100 = 360.
    // x = 50 + 450 - 100 = 400; y = 340 + 12; arrow = 500 - 400 - 5
    const wide = rect(50, 300, 900, 40);
    assert.deepEqual(place(wide, W, H, "left", VIEW), { x: 400, y: 352, side: "bottom", vertical: true, arrow: 95 });
    // near the bottom (700 to 740): below -40, above 600
    const low = rect(50, 700, 900, 40);
    assert.deepEqual(place(low, W, H, "right", VIEW), { x: 400, y: 588, side: "top", vertical: true, arrow: 95 });
  });
});

describe("place: fits nowhere", () => {
  // A phone: 320×480, a 300×400 card, a target as wide as the screen.
  const PHONE = { x: 0, y: 0, width: 320, height: 480 };

  test("the side with the most room, the card clamped inside the viewport", () => {
    // target 150 to 250: rooms top 150 - 400 = -250, bottom 480 - 250 - 400 = -170,
    // left 20 - 300 = -280, right 320 - 300 - 300 = -280: bottom has the most.
    // x = 20 + 140 - 150 = 10 (within 8 … 320 - 300 - 8 = 12); y = 250 + 12 = 262, clamped to
    // 480 - 400 - 8 = 72; arrow = 160 - 10 - 5 = 145
    const ref = rect(20, 150, 280, 100);
    const p = place(ref, 300, 400, "bottom", PHONE);
    assert.deepEqual(p, { x: 10, y: 72, side: "bottom", vertical: true, arrow: 145 });
    assert.ok(p.x >= PAD && p.x + 300 <= 320 - PAD && p.y >= PAD && p.y + 400 <= 480 - PAD);
  });

  test("the most room is not on the preferred side", () => {
    // target 300 to 340: top 300 - 400 = -100 beats bottom 480 - 340 - 400 = -260.
    // y = 300 - 12 - 400 = -112, clamped to PAD: the card covers the target, readable.
    const ref = rect(20, 300, 280, 40);
    assert.deepEqual(place(ref, 300, 400, "bottom", PHONE), { x: 10, y: 8, side: "top", vertical: true, arrow: 145 });
  });

  test("ties keep the earlier side in the order", () => {
    // a 300×300 card around a centred 20×20 target: rooms top 230 - 300 = -70, bottom
    // 480 - 250 - 300 = -70, left 150 - 300 = -150, right 320 - 170 - 300 = -150.
    // x = 150 + 10 - 150 = 10; y = 250 + 12 = 262, clamped to 480 - 300 - 8 = 172
    const ref = rect(150, 230, 20, 20);
    assert.deepEqual(place(ref, 300, 300, "bottom", PHONE), { x: 10, y: 172, side: "bottom", vertical: true, arrow: 145 });
    // y = 230 - 12 - 300 = -82, clamped to 8
    assert.deepEqual(place(ref, 300, 300, "top", PHONE), { x: 10, y: 8, side: "top", vertical: true, arrow: 145 });
  });
});

describe("place: shift along the edge", () => {
  test("near the viewport's left edge", () => {
    // x = 10 + 20 - 100 = -70, shifted to PAD; arrow = 30 - 8 - 5 = 17, still over the target
    const ref = rect(10, 300, 40, 40);
    assert.deepEqual(place(ref, W, H, "bottom", VIEW), { x: 8, y: 352, side: "bottom", vertical: true, arrow: 17 });
  });

  test("near the viewport's right edge", () => {
    // x = 950 + 20 - 100 = 870, shifted to 1000 - 200 - 8 = 792; arrow = 970 - 792 - 5 = 173
    const ref = rect(950, 300, 40, 40);
    assert.deepEqual(place(ref, W, H, "bottom", VIEW), { x: 792, y: 352, side: "bottom", vertical: true, arrow: 173 });
  });

  test("near the top, on the right side: shifted down", () => {
    // y = 10 + 10 - 50 = -30, shifted to 8; arrow = 20 - 8 - 5 = 7, clamped to 8
    const ref = rect(400, 10, 100, 20);
    assert.deepEqual(place(ref, W, H, "right", VIEW), { x: 512, y: 8, side: "right", vertical: false, arrow: 8 });
  });
});

describe("place: alignment", () => {
  test("bottom-start: the card's left edge on the target's", () => {
    // x = 400; arrow = 450 - 400 - 5
    assert.deepEqual(place(MIDDLE, W, H, "bottom-start", VIEW), { x: 400, y: 352, side: "bottom", vertical: true, arrow: 45 });
  });

  test("top-end: the card's right edge on the target's", () => {
    // x = 500 - 200 = 300; arrow = 450 - 300 - 5
    assert.deepEqual(place(MIDDLE, W, H, "top-end", VIEW), { x: 300, y: 188, side: "top", vertical: true, arrow: 145 });
  });

  test("left-start and right-end: top and bottom edges", () => {
    // y = 300; arrow = 320 - 300 - 5
    assert.deepEqual(place(MIDDLE, W, H, "left-start", VIEW), { x: 188, y: 300, side: "left", vertical: false, arrow: 15 });
    // y = 340 - 100 = 240; arrow = 320 - 240 - 5
    assert.deepEqual(place(MIDDLE, W, H, "right-end", VIEW), { x: 512, y: 240, side: "right", vertical: false, arrow: 75 });
  });

  test("the alignment survives a flip", () => {
    // bottom-start near the bottom: top, still start-aligned
    const ref = rect(400, 700, 100, 40);
    assert.deepEqual(place(ref, W, H, "bottom-start", VIEW), { x: 400, y: 588, side: "top", vertical: true, arrow: 45 });
  });

  test("auto flips like bottom", () => {
    const ref = rect(400, 700, 100, 40);
    assert.deepEqual(place(ref, W, H, "auto", VIEW), { x: 350, y: 588, side: "top", vertical: true, arrow: 95 });
  });
});

describe("place: the arrow", () => {
  test("clamped 8px from the card's far corner", () => {
    // a 10px target at the right edge: x = 990 - 100 = 890, shifted to 792; the target's
    // centre 990 - 792 - 5 = 193 is past the card's end, clamped to 200 - 8 - 10 = 182
    const ref = rect(985, 300, 10, 20);
    assert.deepEqual(place(ref, W, H, "bottom", VIEW), { x: 792, y: 332, side: "bottom", vertical: true, arrow: 182 });
  });

  test("clamped 8px from the card's near corner", () => {
    // at the left edge: x = 5 - 100 = -95, shifted to 8; centre 5 - 8 - 5 = -8, clamped to 8
    const ref = rect(0, 300, 10, 20);
    assert.deepEqual(place(ref, W, H, "bottom", VIEW), { x: 8, y: 332, side: "bottom", vertical: true, arrow: 8 });
  });

  test("along the card's height on the left and right sides", () => {
    // a 100px high card beside a target at the bottom edge: y = 790 - 50 = 740, shifted to
    // 800 - 100 - 8 = 692; centre 790 - 692 - 5 = 93, clamped to 100 - 8 - 10 = 82
    const ref = rect(400, 780, 100, 20);
    assert.deepEqual(place(ref, W, H, "right", VIEW), { x: 512, y: 692, side: "right", vertical: false, arrow: 82 });
  });
});

describe("place: an offset visual viewport", () => {
  // A pinch-zoomed phone: the visible part of the page is 400×600 at (100, 300); rects stay in
  // the page's client coordinates.
  const ZOOMED = { x: 100, y: 300, width: 400, height: 600 };

  test("flips and shifts against the visual viewport, not the layout one", () => {
    // target 820 to 860: below 900 - 860 - 100 = -60, above 820 - 300 - 100 = 420: top.
    // x = 150 + 50 - 100 = 100, shifted to 100 + 8; y = 820 - 12 - 100 = 708;
    // arrow = 200 - 108 - 5 = 87
    const ref = rect(150, 820, 100, 40);
    assert.deepEqual(place(ref, W, H, "bottom", ZOOMED), { x: 108, y: 708, side: "top", vertical: true, arrow: 87 });
    // In a 1000×1000 layout viewport the same target has room below (1000 - 860 - 100 = 40).
    const layout = { x: 0, y: 0, width: 1000, height: 1000 };
    assert.deepEqual(place(ref, W, H, "bottom", layout), { x: 100, y: 872, side: "bottom", vertical: true, arrow: 95 });
  });

  test("shifted inside its right edge", () => {
    // target 450 to 490 across, 500 to 540 down: below 900 - 540 - 100 = 260.
    // x = 470 - 100 = 370, shifted to 500 - 200 - 8 = 292; y = 540 + 12; arrow = 470 - 292 - 5
    const ref = rect(450, 500, 40, 40);
    assert.deepEqual(place(ref, W, H, "bottom", ZOOMED), { x: 292, y: 552, side: "bottom", vertical: true, arrow: 173 });
  });

  test("fits nowhere: clamped inside the visual viewport", () => {
    // a 380×580 card next to a 300×500 target at (150, 350), i.e. (50, 50) in the viewport:
    // rooms top 50 - 580 = -530, bottom 600 - 550 - 580 = -530, right 400 - 350 - 380 = -330,
    // left 50 - 380 = -330: right has the most (first of the tie in top, bottom, right, left).
    // y = 50 + 250 - 290 = 10 (within 8 … 600 - 580 - 8 = 12), 300 + 10 on the page;
    // x = 350 + 12 = 362, clamped to 400 - 380 - 8 = 12, 100 + 12 on the page;
    // arrow = 300 - 10 - 5 = 285 (under 580 - 18)
    const ref = rect(150, 350, 300, 500);
    assert.deepEqual(place(ref, 380, 580, "top", ZOOMED), { x: 112, y: 310, side: "right", vertical: false, arrow: 285 });
  });
});

describe("visible: clipping", () => {
  test("inside the viewport and no clipping ancestor: the whole box", () => {
    assert.deepEqual(visible(VIEW, [rect(100, 100, 50, 20)]), { x: 100, y: 100, width: 50, height: 20 });
  });

  test("one clipping ancestor", () => {
    // the target 250…350 × 380…430 in a scroller 0…300 × 200…400
    const scroller = rect(0, 200, 300, 200);
    assert.deepEqual(visible(VIEW, [rect(250, 380, 100, 50), scroller]), { x: 250, y: 380, width: 50, height: 20 });
  });

  test("two nested clipping ancestors", () => {
    // and inside it another one, 260…600 × 100…390
    const outer = rect(0, 200, 300, 200);
    const inner = rect(260, 100, 340, 290);
    assert.deepEqual(visible(VIEW, [rect(250, 380, 100, 50), inner, outer]), { x: 260, y: 380, width: 40, height: 10 });
  });

  test("fully clipped: zero-size, never negative", () => {
    const scroller = rect(0, 200, 300, 200);
    // scrolled out below: 450 > 400
    assert.deepEqual(visible(VIEW, [rect(50, 450, 100, 40), scroller]), { x: 50, y: 450, width: 100, height: 0 });
    // scrolled out to the right: 350 > 300
    assert.deepEqual(visible(VIEW, [rect(350, 300, 40, 20), scroller]), { x: 350, y: 300, width: 0, height: 20 });
    // clipped by the inner ancestor only
    const inner = rect(0, 200, 100, 100);
    assert.deepEqual(visible(VIEW, [rect(150, 250, 40, 20), inner, scroller]), { x: 150, y: 250, width: 0, height: 20 });
  });

  test("partly outside the viewport", () => {
    // -30…70 × 780…830 in 1000×800
    assert.deepEqual(visible(VIEW, [rect(-30, 780, 100, 50)]), { x: 0, y: 780, width: 70, height: 20 });
  });

  test("wholly outside the viewport", () => {
    assert.deepEqual(visible(VIEW, [rect(1100, 100, 50, 50)]), { x: 1100, y: 100, width: 0, height: 50 });
    assert.deepEqual(visible(VIEW, [rect(100, -80, 50, 50)]), { x: 100, y: 0, width: 50, height: 0 });
  });

  test("an offset visual viewport", () => {
    // the 400×600 visual viewport at (100, 300): the target 50…150 × 850…950 shows 100…150 × 850…900
    const zoomed = { x: 100, y: 300, width: 400, height: 600 };
    assert.deepEqual(visible(zoomed, [rect(50, 850, 100, 100)]), { x: 100, y: 850, width: 50, height: 50 });
    // and with a scroller 0…120 × 0…1000 as well
    assert.deepEqual(visible(zoomed, [rect(50, 850, 100, 100), rect(0, 0, 120, 1000)]), { x: 100, y: 850, width: 20, height: 50 });
  });
});
