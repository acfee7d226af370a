// The seating rule of DESIGN 4c as the server applies it (src/seats/book/gaps.rs),
// so the seat map can grey out, before the click, the seats a click would
// strand: a free seat left alone between taken seats, or between a taken
// seat and an aisle or the row's end. Computed from the public seat map only.
// Keep it the same as gaps.rs.

const width = (seat) => (seat.class === "couple" ? 2 : 1);

// Runs of seats side by side in one row with no aisle between them, left to
// right (ids). Couple seats are in them as neighbours; `couple` lists them,
// as they are never the seat left alone.
export function runsOf(seats) {
  const sorted = [...seats].sort((a, b) => a.grid_row - b.grid_row || a.grid_col - b.grid_col);
  const runs = [];
  let previous = null;
  for (const seat of sorted) {
    const beside = previous && previous.grid_row === seat.grid_row
      && previous.grid_col + width(previous) === seat.grid_col;
    if (!beside) runs.push({ couple: new Set(), ids: [] });
    const run = runs[runs.length - 1];
    run.ids.push(seat.id);
    if (seat.class === "couple") run.couple.add(seat.id);
    previous = seat;
  }
  return runs;
}

function alone(ids, k, taken) {
  if (taken(ids[k])) return false;
  const left = k > 0 ? taken(ids[k - 1]) : null;
  const right = k + 1 < ids.length ? taken(ids[k + 1]) : null;
  return left !== false && right !== false && (left === true || right === true);
}

// Whether the free run around `k` has exactly one seat more than `taking`
// takes from it: then every choice leaves one alone, and the server allows it.
function onlyWay(ids, k, taken, taking) {
  let start = k;
  while (start > 0 && !taken(ids[start - 1])) start -= 1;
  let end = k;
  while (end + 1 < ids.length && !taken(ids[end + 1])) end += 1;
  const run = ids.slice(start, end + 1);
  const here = run.filter((id) => taking.includes(id)).length;
  return here > 0 && run.length === here + 1;
}

// The seats a change would leave alone: `{ take: [ids] }` or `{ free: id }`.
// `taken(id)`: held, sold or blocked before the change.
export function strands(runs, runOf, taken, change) {
  const changed = change.take || [change.free];
  const after = (id) => (change.take ? taken(id) || change.take.includes(id) : id !== change.free && taken(id));
  const stranded = [];
  for (const index of new Set(changed.map((id) => runOf.get(id)))) {
    const run = runs[index];
    if (!run) continue;
    run.ids.forEach((id, k) => {
      if (run.couple.has(id)) return;
      if (!alone(run.ids, k, after) || alone(run.ids, k, taken)) return;
      if (change.take && onlyWay(run.ids, k, taken, change.take)) return;
      stranded.push(id);
    });
  }
  return stranded;
}

// The free seats beside `id` in its run that are not wheelchair spaces: a
// wheelchair space is held together with one of them (DESIGN 4c). Those
// whose pair with the space `fits` come first.
export function companionsOf(runs, runOf, seats, id, fits) {
  const run = runs[runOf.get(id)];
  if (!run) return [];
  const k = run.ids.indexOf(id);
  const free = [run.ids[k + 1], run.ids[k - 1]].filter((other) => {
    const seat = other && seats.get(other);
    return seat && seat.class !== "wheelchair" && seat.status === "available";
  });
  return [...free.filter((other) => fits([id, other])), ...free.filter((other) => !fits([id, other]))];
}
