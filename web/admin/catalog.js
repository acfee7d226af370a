// The back office's catalog: cities and cinemas (with their time zone), a
// cinema's auditoriums, and movies (created, edited, archived).
import { api, el, data, say } from "../lib.js";
import { t } from "../i18n.js";
import { subnav, field, formError, showErrors, clearErrors, timezoneSelect, timezoneName, adminProblem } from "./common.js";

// A form that sends `body()` and shows the answer's errors next to its fields.
function apiForm(attrs, children, send, done, fieldOf) {
  const form = el("form", { class: "card admin-form", novalidate: true, ...attrs }, formError(), children);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const result = await send();
      done(result);
    } catch (error) { showErrors(form, error, fieldOf); }
  });
  return form;
}

export async function cinemasPage() {
  const [cities, cinemas] = await Promise.all([api("GET", "/admin/cities"), api("GET", "/admin/cinemas")]);
  const redraw = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

  const cityName = el("input", { required: true, maxlength: 100, autocomplete: "off" });
  const newCity = apiForm({ "aria-labelledby": "admin-new-city" }, [
    el("h2", { id: "admin-new-city" }, t("admin.cities.new")),
    field(t("admin.cities.name"), cityName, "name"),
    el("button", { type: "submit" }, t("admin.cities.create")),
  ], () => api("POST", "/admin/cities", { name: cityName.value }), (city) => { say(t("admin.saved")); redraw(); }, { city_exists: "name" });

  const cityRows = cities.map((city) => {
    const name = el("input", { value: city.name, required: true, maxlength: 100 });
    return el("li", { "data-city": city.id }, apiForm({ class: "inline-form", "aria-label": t("admin.cities.rename") }, [
      field(t("admin.cities.name"), name, "name"),
      el("button", { type: "submit", class: "secondary" }, t("admin.cities.rename")),
    ], () => api("PATCH", `/admin/cities/${city.id}`, { name: name.value }), () => { say(t("admin.saved")); redraw(); }, { city_exists: "name" }));
  });

  const cinemaForm = (cinema) => {
    const name = el("input", { value: cinema ? cinema.name : "", required: true, maxlength: 100 });
    const address = el("input", { value: cinema ? cinema.address : "", required: true, maxlength: 300 });
    const city = el("select", {}, cities.map((c) => el("option", { value: c.id, selected: cinema && c.id === cinema.city_id, translate: "no" }, c.name)));
    const zone = timezoneSelect(cinema ? cinema.timezone : "Asia/Jakarta");
    const titleId = cinema ? `admin-cinema-${cinema.id}` : "admin-new-cinema";
    return apiForm({ "aria-labelledby": titleId, "data-cinema-form": cinema ? cinema.id : "new" }, [
      el("h3", { id: titleId }, cinema ? data(cinema.name) : t("admin.cinemas.new")),
      field(t("admin.cinemas.city"), city, "city_id"),
      field(t("admin.cinemas.name"), name, "name"),
      field(t("admin.cinemas.address"), address, "address"),
      field(t("admin.cinemas.timezone"), zone, "timezone"),
      el("div", { class: "buttons" },
        el("button", { type: "submit" }, cinema ? t("admin.save") : t("admin.cinemas.create")),
        cinema ? el("a", { class: "button-like", href: `#/admin/cinemas/${cinema.id}` }, t("admin.cinemas.auditoriums")) : null),
    ], () => {
      const body = { city_id: Number(city.value), name: name.value, address: address.value, timezone: zone.value };
      return cinema ? api("PATCH", `/admin/cinemas/${cinema.id}`, body) : api("POST", "/admin/cinemas", body);
    }, (saved) => { say(t("admin.saved")); location.hash = `#/admin/cinemas/${saved.id}`; }, { cinema_exists: "name", unknown_city: "city_id" });
  };

  return [subnav("#/admin/cinemas"), el("h1", {}, t("admin.cinemas.title")),
    el("section", { "aria-labelledby": "admin-cities" },
      el("h2", { id: "admin-cities" }, t("admin.cities.title")),
      cities.length ? el("ul", { class: "plain-list" }, cityRows) : el("p", {}, t("admin.cities.none")),
      newCity),
    el("section", { "aria-labelledby": "admin-cinemas" },
      el("h2", { id: "admin-cinemas" }, t("admin.cinemas.list")),
      cinemas.length ? el("ul", { class: "plain-list" }, cinemas.map((c) => el("li", {},
        el("a", { href: `#/admin/cinemas/${c.id}`, "data-cinema": c.id }, data(c.name)), " · ", data(c.address), " · ", timezoneName(c.timezone))))
        : el("p", {}, t("admin.cinemas.none")),
      cities.length ? cinemaForm(null) : el("p", {}, t("admin.cinemas.needCity")))];
}

// One cinema: its details to edit and its auditoriums.
export async function cinemaPage(cinemaId) {
  const [cinemas, cities, auditoriums] = await Promise.all([
    api("GET", "/admin/cinemas"), api("GET", "/admin/cities"), api("GET", `/admin/cinemas/${cinemaId}/auditoriums`)]);
  const cinema = cinemas.find((c) => String(c.id) === cinemaId);
  if (!cinema) throw Object.assign(new Error("not found"), { code: "not_found", status: 404 });
  const name = el("input", { value: cinema.name, required: true, maxlength: 100 });
  const address = el("input", { value: cinema.address, required: true, maxlength: 300 });
  const city = el("select", {}, cities.map((c) => el("option", { value: c.id, selected: c.id === cinema.city_id, translate: "no" }, c.name)));
  const zone = timezoneSelect(cinema.timezone);
  const edit = apiForm({ "aria-labelledby": "admin-cinema-edit" }, [
    el("h2", { id: "admin-cinema-edit" }, t("admin.cinemas.edit")),
    field(t("admin.cinemas.city"), city, "city_id"),
    field(t("admin.cinemas.name"), name, "name"),
    field(t("admin.cinemas.address"), address, "address"),
    field(t("admin.cinemas.timezone"), zone, "timezone"),
    el("button", { type: "submit" }, t("admin.save")),
  ], () => api("PATCH", `/admin/cinemas/${cinema.id}`, { city_id: Number(city.value), name: name.value, address: address.value, timezone: zone.value }),
  () => { say(t("admin.saved")); window.dispatchEvent(new HashChangeEvent("hashchange")); }, { cinema_exists: "name", unknown_city: "city_id" });

  return [subnav("#/admin/cinemas"),
    el("p", {}, el("a", { href: "#/admin/cinemas" }, t("admin.back.cinemas"))),
    el("h1", {}, data(cinema.name)),
    el("p", { class: "muted" }, data(cinema.address), " · ", timezoneName(cinema.timezone)),
    el("section", { class: "card", "aria-labelledby": "admin-auditoriums" },
      el("h2", { id: "admin-auditoriums" }, t("admin.auditoriums.title")),
      auditoriums.length === 0 ? el("p", {}, t("admin.auditoriums.none")) :
        el("ul", { class: "plain-list" }, auditoriums.map((a) => el("li", { "data-auditorium": a.id },
          el("strong", {}, data(a.name)), " · ", t("admin.auditoriums.seats", { count: a.seats.length }), " · ",
          el("a", { href: `#/admin/auditoriums/${a.id}` }, t("admin.auditoriums.editLayout")), " · ",
          el("a", { href: `#/admin/programme/${a.id}` }, t("admin.auditoriums.programme"))))),
      el("a", { class: "button-like", href: `#/admin/cinemas/${cinema.id}/auditoriums/new` }, t("admin.auditoriums.new"))),
    edit];
}

const RATINGS = ["SU", "13+", "17+", "21+"];

export async function moviesPage() {
  const movies = await api("GET", "/admin/movies");
  const redraw = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  const formBox = el("div");

  function movieForm(movie) {
    const title = el("input", { value: movie ? movie.title : "", required: true, maxlength: 200 });
    const synopsis = el("textarea", { rows: 4, maxlength: 5000 }, movie ? movie.synopsis : "");
    const duration = el("input", { type: "number", min: 1, max: 600, value: movie ? movie.duration_minutes : 120, required: true, inputmode: "numeric" });
    const rating = el("select", {}, RATINGS.map((r) => el("option", { value: r, selected: movie && movie.rating === r, translate: "no" }, r)));
    const genres = el("input", { value: movie ? movie.genres.join(", ") : "", required: true });
    const language = el("input", { value: movie ? movie.language : "id", required: true, maxlength: 50 });
    const poster = el("input", { type: "url", value: movie && movie.poster_url ? movie.poster_url : "", pattern: "https://.*", placeholder: "https://", translate: "no" });
    const titleId = "admin-movie-form";
    return apiForm({ "aria-labelledby": titleId, "data-movie-form": movie ? movie.id : "new" }, [
      el("h2", { id: titleId }, movie ? t("admin.movies.edit") : t("admin.movies.new")),
      field(t("admin.movies.titleField"), title, "title"),
      field(t("admin.movies.synopsis"), synopsis, "synopsis"),
      field(t("admin.movies.duration"), duration, "duration_minutes"),
      field(t("admin.movies.rating"), rating, "rating"),
      field(t("admin.movies.genres"), genres, "genres", t("admin.movies.genresHint")),
      field(t("admin.movies.language"), language, "language"),
      field(t("admin.movies.poster"), poster, "poster_url", t("admin.movies.posterHint")),
      el("div", { class: "buttons" },
        el("button", { type: "submit" }, movie ? t("admin.save") : t("admin.movies.create")),
        movie ? el("button", { type: "button", class: "secondary", onclick: () => { formBox.replaceChildren(movieForm(null)); } }, t("admin.cancelEdit")) : null),
    ], () => {
      const body = {
        title: title.value, synopsis: synopsis.value, duration_minutes: Number(duration.value), rating: rating.value,
        genres: genres.value.split(",").map((g) => g.trim()).filter(Boolean), language: language.value, poster_url: poster.value.trim(),
      };
      if (!movie && !body.poster_url) delete body.poster_url;
      return movie ? api("PATCH", `/admin/movies/${movie.id}`, body) : api("POST", "/admin/movies", body);
    }, () => { say(t("admin.saved")); redraw(); });
  }
  formBox.append(movieForm(null));

  const archive = async (movie, archived) => {
    try { await api("PATCH", `/admin/movies/${movie.id}`, { archived }); say(t("admin.saved")); redraw(); } catch (e) { say(adminProblem(e)); }
  };

  return [subnav("#/admin/movies"), el("h1", {}, t("admin.movies.title")),
    movies.length === 0 ? el("p", {}, t("admin.movies.none")) : el("div", { class: "table-scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, ["admin.movies.titleField", "admin.movies.duration", "admin.movies.rating", "admin.movies.state"].map((h) => el("th", {}, t(h))), el("th", {}))),
      el("tbody", {}, movies.map((m) => el("tr", { "data-movie": m.id },
        el("td", {}, data(m.title)), el("td", {}, t("admin.movies.minutes", { minutes: m.duration_minutes })), el("td", {}, data(m.rating)),
        el("td", {}, m.archived ? t("admin.movies.archived") : t("admin.movies.active")),
        el("td", {},
          el("button", { type: "button", class: "secondary", onclick: () => { formBox.replaceChildren(movieForm(m)); formBox.querySelector("input").focus(); } }, t("admin.movies.editButton")), " ",
          el("button", { type: "button", class: m.archived ? "secondary" : "danger", onclick: () => archive(m, !m.archived) }, m.archived ? t("admin.movies.unarchive") : t("admin.movies.archive")))))))),
    formBox];
}
