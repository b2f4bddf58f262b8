// The HBNB page's behaviour, step by step (the <body>'s data-step): 1 amenity filters in the heading,
// 2 the API status circle, 3 places fetched from the API, 4 the Search button, 100 states and
// cities in the filters, 101 reviews shown and hidden. The API is reached by relative URLs, so the
// page works behind one origin (nginx sends /api/ to the API).
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const step = Number(document.body.dataset.step || 0);
  const checked = { amenity: new Map(), state: new Map(), city: new Map() };

  // Step 1: the names of the checked amenities (from 100, states and cities too) appear in the headings.
  document.querySelectorAll('input[type=checkbox]').forEach((box) => {
    box.addEventListener('change', () => {
      const kind = checked[box.classList[0]];
      if (box.checked) {
        kind.set(box.dataset.id, box.dataset.name);
      } else {
        kind.delete(box.dataset.id);
      }
      showChecked('.amenities h4', [...checked.amenity.values()]);
      showChecked('.locations h4', [...checked.state.values(), ...checked.city.values()]);
    });
  });

  // Step 2: the status circle turns available when the API says OK.
  if (step >= 2) {
    fetch('/api/v1/status/')
      .then((response) => response.json())
      .then((body) => {
        document.getElementById('api_status').classList.toggle('available', body.status === 'OK');
      })
      .catch(() => document.getElementById('api_status').classList.remove('available'));
  }

  // Step 3: the places come from the API; step 4: the Search button filters them.
  if (step >= 3) {
    searchPlaces({});
  }
  if (step >= 4) {
    document.querySelector('.filters button').addEventListener('click', () => {
      const filters = { amenities: [...checked.amenity.keys()] };
      if (step >= 100) {
        filters.states = [...checked.state.keys()];
        filters.cities = [...checked.city.keys()];
      }
      searchPlaces(filters);
    });
  }

  function showChecked(selector, names) {
    const heading = document.querySelector(selector);
    if (heading) {
      heading.textContent = names.length ? names.join(', ') : '\u00a0';
    }
  }

  function searchPlaces(filters) {
    fetch('/api/v1/places_search/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(filters),
    })
      .then((response) => response.json())
      .then((places) => {
        const section = document.querySelector('section.places');
        section.querySelectorAll('article').forEach((article) => article.remove());
        places.forEach((place) => section.appendChild(placeArticle(place)));
      });
  }

  function plural(count, word) {
    return `${count} ${word}${count === 1 ? '' : 's'}`;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function placeArticle(place) {
    const article = element('article');
    const title = element('div', 'title_box');
    title.append(element('h2', '', place.name), element('div', 'price_by_night', `$${place.price_by_night}`));
    const information = element('div', 'information');
    information.append(
      element('div', 'max_guest', plural(place.max_guest, 'Guest')),
      element('div', 'number_rooms', plural(place.number_rooms, 'Bedroom')),
      element('div', 'number_bathrooms', plural(place.number_bathrooms, 'Bathroom')));
    const description = element('div', 'description');
    // The description may contain HTML, as the original renders it (| safe).
    description.innerHTML = place.description || '';
    article.append(title, information, description);
    if (step >= 101) {
      article.appendChild(reviewsSection(place));
    }
    return article;
  }

  // Step 101: "show" fetches and lists the reviews, "hide" removes them.
  function reviewsSection(place) {
    const reviews = element('div', 'reviews');
    const heading = element('h2', '', 'Reviews');
    const toggle = element('span', 'toggle', 'show');
    const list = element('ul');
    heading.appendChild(toggle);
    reviews.append(heading, list);
    toggle.addEventListener('click', () => {
      if (toggle.textContent === 'hide') {
        list.replaceChildren();
        toggle.textContent = 'show';
        return;
      }
      fetch(`/api/v1/places/${place.id}/reviews`)
        .then((response) => response.json())
        .then((items) => {
          list.replaceChildren(...items.map((review) => {
            const item = element('li');
            item.append(element('h3', '', `From ${review.created_at.slice(0, 10)}`), element('p', '', review.text));
            return item;
          }));
          toggle.textContent = 'hide';
        });
    });
    return reviews;
  }
});
