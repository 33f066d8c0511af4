// Music, camera, weather, navigation, web search, notes, shopping and translation intents.
import { dflt, val, type Draw, type Intent } from './intent.ts';
import { countSurface } from './surface.ts';

export const INFO_INTENTS: Intent[] = [
  {
    id: 'music.song', tool: 'play_music',
    templates: {
      train: ['play {song} by {artist}', 'put on {song} by {artist}', 'I want to hear {song} by {artist}',
        "play the song {song} from {artist}", 'play {artist}', 'put on some {artist}', 'play music by {artist}',
        'I feel like listening to {artist}', 'play some {genre}', 'put on {genre} music', '[shuffle] play {genre} on shuffle',
        '[shuffle] shuffle some {genre}', '[shuffle] play random {genre} songs'],
      eval: ['queue up {song} by {artist}', 'let me hear some {artist}', 'something {genre} please, play it',
        '[shuffle] mix up some {genre} tracks in random order'],
    },
    draw(p, rng): Draw {
      const r = rng.next();
      if (r < 0.35) {
        const song = p.title(); const artist = p.artist();
        return { slots: { song, artist }, args: { song: val(song), artist: val(artist), shuffle: dflt(false) } };
      }
      if (r < 0.6) {
        const artist = p.artist();
        return { slots: { artist }, args: { artist: val(artist), shuffle: dflt(false) } };
      }
      if (r < 0.8) {
        const genre = p.genre();
        return { slots: { genre }, args: { genre: val(genre), shuffle: dflt(false) } };
      }
      const genre = p.genre();
      return { slots: { genre }, args: { genre: val(genre), shuffle: val(true) }, variant: 'shuffle' };
    },
  },
  {
    id: 'media.control', tool: 'media.control',
    templates: {
      train: ['{action} the music', '{action} playback', '{action} the song', 'please {action} the track'],
      eval: ['could you {action} what is playing'],
    },
    draw(_p, rng): Draw {
      const [action, said] = rng.pick<[string, string[]]>([['pause', ['pause']], ['resume', ['resume', 'unpause']],
        ['next', ['skip']], ['stop', ['stop']]]);
      return { slots: { action: rng.pick(said) }, args: { action: val(action) } };
    },
  },
  {
    id: 'camera.capture', tool: 'camera.capture',
    templates: {
      train: ['take a photo', 'take a picture', 'snap a pic', 'take a {mode} photo', 'switch to {mode} mode and take a picture',
        'take a photo in {secs} seconds', 'take a picture with a {secs} second timer', '[selfie] take a selfie',
        '[selfie] take a selfie in {mode} mode', '[selfie] take a {mode} shot with the front camera',
        '[selfie] selfie in {secs} seconds', '[video] start recording a video', '[video] record a video'],
      eval: ['capture this moment', 'grab a {mode} picture', 'snap one in {secs} seconds',
        '[selfie] front camera photo with a {secs} second countdown', '[selfie] grab a selfie for me',
        '[selfie] front-facing {mode} picture', '[video] shoot a video'],
    },
    draw(_p, rng): Draw {
      const selfie = rng.chance(0.3);
      const front = selfie ? val(true) : dflt(false);
      const variant = selfie ? 'selfie' : undefined;
      const r = rng.next();
      if (r < 0.15) return { slots: {}, args: { mode: val('video'), front_camera: dflt(false), timer_seconds: dflt(0) }, variant: 'video' };
      if (r < 0.4) return { slots: {}, args: { mode: dflt('photo'), front_camera: front, timer_seconds: dflt(0) }, variant };
      const mode = rng.pick(['portrait', 'panorama', 'night']);
      if (r < 0.7) return { slots: { mode }, args: { mode: val(mode), front_camera: front, timer_seconds: dflt(0) }, variant };
      const secs = rng.pick([3, 5, 10]);
      return { slots: { secs: countSurface(rng, secs) }, args: { mode: dflt('photo'), front_camera: front, timer_seconds: val(secs) }, variant };
    },
  },
  {
    id: 'weather.get', tool: 'getWeather',
    templates: {
      train: ["what's the weather in {city}", 'weather in {city}', 'how is the weather in {city}', 'is it going to rain in {city}',
        'forecast for {city}', "what's the weather in {city} {day}", 'weather {day} in {city}', 'will it be sunny in {city} {day}',
        'how hot is it in {city} in {units}', 'weather in {city} in {units}', "{day}'s forecast for {city} in {units}"],
      eval: ['do I need a jacket in {city}', 'tell me the {city} forecast', 'what will {city} be like {day}',
        'temperature in {city} {day}, in {units}', 'report the {city} temperature in {units}'],
    },
    draw(p, rng): Draw {
      const city = p.city();
      const country = p.country(city);
      const said = country && rng.chance(0.3) ? `${city}, ${country}` : city;
      const cityVal = said === city ? val(city) : val(said, city);
      const slots: Record<string, string> = { city: said };
      const args: Record<string, ReturnType<typeof val>> = { city: cityVal, day: dflt('today'), units: dflt('celsius') };
      if (rng.chance(0.4)) { slots.day = rng.pick(['today', 'tomorrow']); args.day = val(slots.day); }
      if (rng.chance(0.3)) { slots.units = rng.pick(['celsius', 'fahrenheit']); args.units = val(slots.units); }
      return { slots, args };
    },
  },
  {
    id: 'nav.directions', tool: 'get_directions',
    templates: {
      train: ['directions to {dest}', 'navigate to {dest}', 'how do I get to {dest}', 'take me to {dest}',
        'route to {dest}', 'show me the way to {dest}', 'how do I get to {dest} by {mode}', '{mode} directions to {dest}',
        '[notolls] navigate to {dest} avoiding tolls', '[notolls] drive to {dest} without toll roads'],
      eval: ['guide me to {dest}', 'what is the best {mode} route to {dest}', '[notolls] get me to {dest} but skip the tolls'],
    },
    draw(p, rng): Draw {
      const dest = rng.chance(0.5) ? p.place() : rng.chance(0.5) ? p.address() : p.city();
      const destVal = dest.startsWith('the ') ? val(dest, dest.slice(4)) : val(dest);
      const r = rng.next();
      if (r < 0.25) {
        const [mode, said] = rng.pick<[string, string]>([['walking', 'walking'], ['transit', 'public transport'],
          ['cycling', 'bike'], ['transit', 'bus'], ['walking', 'foot'], ['driving', 'car']]);
        return { slots: { dest, mode: said }, args: { destination: destVal, mode: val(mode), avoid_tolls: dflt(false) } };
      }
      if (r < 0.4) return { slots: { dest }, args: { destination: destVal, mode: dflt('driving'), avoid_tolls: val(true) }, variant: 'notolls' };
      return { slots: { dest }, args: { destination: destVal, mode: dflt('driving'), avoid_tolls: dflt(false) } };
    },
  },
  {
    id: 'nav.ride', tool: 'ride.request',
    templates: {
      train: ['get me a ride to {dest}', 'book a taxi to {dest}', 'call an uber to {dest}', 'order a car to {dest}',
        'book a {type} ride to {dest}', 'get a {type} car to {dest}', 'ride from {from} to {dest}',
        'book a car from {from} to {dest}'],
      eval: ['I need a lift to {dest}', 'send a {type} cab to take me to {dest}', 'pick me up at {from} and drop me at {dest}'],
    },
    draw(p, rng): Draw {
      const dest = rng.chance(0.5) ? p.place() : p.address();
      const destVal = dest.startsWith('the ') ? val(dest, dest.slice(4)) : val(dest);
      const r = rng.next();
      if (r < 0.25) {
        const type = rng.pick(['xl', 'premium']);
        return { slots: { dest, type: type === 'xl' ? 'XL' : 'premium' }, args: { dropoff: destVal, ride_type: val(type) } };
      }
      if (r < 0.45) {
        const from = p.address();
        return { slots: { dest, from }, args: { dropoff: destVal, pickup: val(from), ride_type: dflt('standard') } };
      }
      return { slots: { dest }, args: { dropoff: destVal, ride_type: dflt('standard') } };
    },
  },
  {
    id: 'search.web', tool: 'web_search',
    templates: {
      train: ['search for {q}', 'google {q}', 'look up {q}', 'search the web for {q}', 'find {q} online',
        'search {q} and show me {n} results', 'give me {n} results for {q}', 'look up {q}, top {n} results'],
      eval: ['do a web search on {q}', 'browse for {q}', 'I need {n} links about {q}'],
    },
    draw(p, rng): Draw {
      const q = p.searchTopic();
      if (rng.chance(0.3)) {
        const n = rng.pick([3, 5, 10, 15]);
        return { slots: { q, n: countSurface(rng, n) }, args: { query: val(q), num_results: val(n) } };
      }
      return { slots: { q }, args: { query: val(q), num_results: dflt(5) } };
    },
  },
  {
    id: 'notes.create', tool: 'notes.create',
    templates: {
      train: ['create a note called {title} that says {body}', 'make a note titled {title}: {body}',
        'new note {title}, {body}', 'write down {body} in a note named {title}', 'note to self titled {title}: {body}',
        'save a note {title} with {body}', '[pinned] create a pinned note {title}: {body}',
        '[pinned] pin a new note {title} saying {body}'],
      eval: ['jot down {body} under {title}', 'start a note named {title} containing {body}',
        '[pinned] add a pinned note, {title}, reading {body}'],
    },
    draw(p, rng): Draw {
      const title = p.noteTopic(); const body = p.noteBody();
      if (rng.chance(0.2)) return { slots: { title, body }, args: { title: val(title), content: val(body), pinned: val(true) }, variant: 'pinned' };
      return { slots: { title, body }, args: { title: val(title), content: val(body), pinned: dflt(false) } };
    },
  },
  {
    id: 'shopping.add', tool: 'shoppingList.add',
    templates: {
      train: ['add {items} to my shopping list', 'put {items} on the shopping list', 'I need to buy {items}',
        'shopping list: {items}', 'add {items} to the list', 'we are out of {items}, add it to the shopping list'],
      eval: ['remember to buy {items}, put it on the list', 'stick {items} on my grocery list'],
    },
    draw(p, rng): Draw {
      const n = rng.int(1, 3);
      const names: string[] = [];
      while (names.length < n) { const it = p.shopItem(); if (!names.includes(it)) names.push(it); }
      const parts: string[] = [];
      const values: Array<Record<string, unknown>> = [];
      for (const name of names) {
        if (rng.chance(0.4)) {
          const q = rng.int(2, 6);
          parts.push(`${countSurface(rng, q)} ${name}`);
          values.push({ name, quantity: q });
        } else {
          parts.push(name);
          values.push({ name });
        }
      }
      const items = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
      return { slots: { items }, args: { items: val(values) } };
    },
  },
  {
    id: 'translate.text', tool: 'translate_text',
    templates: {
      train: ['translate {text} into {lang}', 'how do you say {text} in {lang}', 'translate "{text}" to {lang}',
        'what is {text} in {lang}', 'say {text} in {lang}'],
      eval: ['render "{text}" in {lang}', 'I need {text} in {lang}, translate it'],
    },
    draw(p): Draw {
      const text = p.phrase(); const lang = p.language();
      return { slots: { text, lang }, args: { text: val(text), target_language: val(lang) } };
    },
  },
];
