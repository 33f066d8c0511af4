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
        '[shuffle] shuffle some {genre}', '[shuffle] play random {genre} songs',
        'play the song {song} by {artist}', 'put on the track {song} by {artist}',
        "I'd like to listen to {song} by {artist}", 'start playing {song} by {artist}', "play {artist}'s song {song}",
        'play {song} from {artist}', 'play me {song} by {artist}', 'find and play {song} by {artist}',
        'I wanna hear the song {song}, the one by {artist}', 'throw on {song} by {artist}', 'play some {artist}',
        'play songs by {artist}', 'I want to listen to {artist}', 'put on {artist}', 'play me some {artist}',
        'start playing {artist}', "I'm in the mood for {artist}", "play {artist}'s music", 'put some {artist} on',
        'play tracks by {artist}', 'play {genre} music', 'put on some {genre}', 'I want to listen to {genre}',
        'play me some {genre}', "I'm in the mood for some {genre}", 'put some {genre} on', 'play a bit of {genre}',
        'start some {genre} music', 'play {genre} songs', '[shuffle] shuffle {genre} music',
        '[shuffle] play {genre} in shuffle mode', '[shuffle] put on {genre} and shuffle it',
        '[shuffle] play {genre} with shuffle on', '[shuffle] shuffle my {genre} songs',
        '[shuffle] turn on shuffle and play {genre}', '[shuffle] play {genre} shuffled',
        '[shuffle] put {genre} on shuffle', '[shuffle] I want to hear {genre} on shuffle'],
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
      train: ['{action} the music', '{action} playback', '{action} the song', 'please {action} the track',
        '{action} the current track', '{action} my music', '{action} the audio', '{action} this song',
        '{action} the tune', 'I want to {action} the music', "I'd like to {action} the song", '{action} music playback',
        '{action} the current song', 'music: {action}', '{action} the music player',
        'press {action} on the music player', '{action} the song on my phone', '{action} the tunes'],
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
        '[selfie] selfie in {secs} seconds', '[video] start recording a video', '[video] record a video',
        'take a pic', 'snap a photo', 'take a quick picture', 'I want to take a picture',
        'open the camera and take a photo', 'take a snapshot', 'click a picture', 'take a photo in {mode} mode',
        'use {mode} mode to take a picture', 'take a picture in {mode} mode', 'I want a {mode} shot',
        'snap a {mode} photo', 'set the camera to {mode} and take a photo', 'take a {mode} picture',
        'set a {secs} second timer and take a photo', 'take a picture after {secs} seconds',
        'take a photo with a {secs} second delay', 'use a {secs} second timer for the photo',
        'wait {secs} seconds, then take a picture', 'photo on a {secs} second timer', '[selfie] snap a selfie',
        '[selfie] take a picture of me with the front camera', '[selfie] use the front camera to take a photo',
        '[selfie] switch to the front camera and take a picture', '[selfie] I want to take a selfie',
        '[selfie] turn the camera around and take a selfie', '[selfie] take a {mode} selfie',
        '[selfie] switch to {mode} mode and take a selfie', '[selfie] I want a {mode} selfie',
        '[selfie] take a selfie using {mode} mode', '[selfie] use the front camera in {mode} mode and take a photo',
        '[selfie] take a selfie with a {secs} second timer', '[selfie] selfie with a {secs} second delay',
        '[selfie] take a selfie after {secs} seconds', '[selfie] set a {secs} second timer and take a selfie',
        '[selfie] use the front camera and take a photo in {secs} seconds', '[video] start a video recording',
        '[video] film a video', '[video] start filming', '[video] take a video', '[video] I want to record a video',
        '[video] switch the camera to video and start recording', '[video] record a clip'],
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
        'how hot is it in {city} in {units}', 'weather in {city} in {units}', "{day}'s forecast for {city} in {units}",
        'check the weather in {city}', 'show me the weather for {city}', "what's the forecast for {city}",
        'is it raining in {city}', 'how cold is it in {city}', '{city} weather',
        "I'd like to know the weather in {city}", "how's the weather looking in {city}", 'get the weather for {city}',
        'any rain expected in {city}', "what's the forecast for {city} {day}", 'will it rain in {city} {day}',
        "how's the weather going to be in {city} {day}", "check {day}'s weather in {city}",
        'is it going to be cold in {city} {day}', 'weather forecast for {city} for {day}',
        'I want to know the weather in {city} {day}', "{day}, what's the weather doing in {city}",
        "show me {day}'s forecast for {city}", 'should I expect rain in {city} {day}',
        "what's the weather in {city} in {units}", 'show the forecast for {city} in {units}',
        'how warm is it in {city} in {units}', 'give me the weather for {city} in degrees {units}',
        'check the weather in {city} using {units}', 'forecast for {city} in {units}',
        "in {units}, what's the weather in {city}", 'how cold is it in {city} in degrees {units}',
        "I'd like the weather for {city} in {units}", "what's the weather in {city} {day} in {units}",
        'forecast for {city} {day} in {units}', 'how hot will it be in {city} {day} in {units}',
        "show me {day}'s weather in {city} in degrees {units}", 'give me the weather {day} in {city} in {units}',
        'in {units}, how warm will it be in {city} {day}', 'check the weather in {city} for {day} using {units}',
        "{day}'s weather in {city}, shown in {units}"],
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
        '[notolls] navigate to {dest} avoiding tolls', '[notolls] drive to {dest} without toll roads',
        'give me directions to {dest}', 'find a route to {dest}', 'start navigation to {dest}',
        "what's the way to {dest}", 'how can I get to {dest}', 'I want to go to {dest}', 'show directions to {dest}',
        'get directions to {dest}', 'which way to {dest}', 'navigate me to {dest}', 'plot a route to {dest}',
        'how do I reach {dest}', 'directions to {dest} by {mode}', 'navigate to {dest} by {mode}',
        'route to {dest} by {mode}', 'show me how to get to {dest} by {mode}', 'I want to go to {dest} by {mode}',
        'take me to {dest} by {mode}', "I'm going to {dest} by {mode}, give me directions",
        'plan a trip to {dest} by {mode}', 'how can I reach {dest} by {mode}',
        '[notolls] directions to {dest} with no tolls', '[notolls] route to {dest} avoiding toll roads',
        '[notolls] take me to {dest}, no toll roads', '[notolls] find a toll-free route to {dest}',
        '[notolls] how do I get to {dest} without paying tolls', '[notolls] drive to {dest} and avoid the tolls',
        '[notolls] navigate to {dest}, stay off toll roads'],
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
        'book a car from {from} to {dest}',
        'order a taxi to {dest}', 'book me a ride to {dest}', 'I want a ride to {dest}', 'get me a taxi to {dest}',
        'request a ride to {dest}', 'can I get a ride to {dest}', 'hail a taxi to {dest}', 'book an uber to {dest}',
        "I'd like a car to {dest}", 'order an uber to {dest}', 'order a {type} ride to {dest}',
        'I want a {type} car to {dest}', 'request a {type} ride to {dest}', 'get me an uber {type} to {dest}',
        'call an uber {type} to {dest}', 'book a ride to {dest}, {type} class', '{type} ride to {dest}',
        'order a ride to {dest} and make it {type}', 'get me a ride from {from} to {dest}',
        'order a taxi from {from} to {dest}', 'request a ride from {from} to {dest}', 'taxi from {from} to {dest}',
        "I'm at {from}, get me a ride to {dest}", 'call an uber from {from} to {dest}',
        'from {from} to {dest}, book me a car', 'book a ride from {from} going to {dest}'],
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
        'search {q} and show me {n} results', 'give me {n} results for {q}', 'look up {q}, top {n} results',
        'search online for {q}', 'find information on {q}', 'search google for {q}', 'run a search for {q}',
        'search for {q} online', 'I want to search for {q}', 'find me info about {q}', 'check online for {q}',
        'search up {q}', 'look for {q} on the internet', 'search the internet for {q}', 'quickly google {q}',
        'show me the top {n} results for {q}', 'search for {q} and give me {n} results', 'find {n} results about {q}',
        'look up {q} and return {n} results', '{n} results for {q}', 'search {q}, just {n} results',
        'google {q} and show {n} hits', 'I want {n} search results for {q}', 'get me {n} results on {q}'],
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
        '[pinned] pin a new note {title} saying {body}',
        'take a note called {title}: {body}', 'create a new note named {title} with the text {body}',
        'add a note titled {title} saying {body}', 'make a note called {title} that says {body}',
        'note titled {title}: {body}', 'write a note called {title} with {body}',
        'I want to make a note called {title} that says {body}', 'save {body} as a note titled {title}',
        'put {body} in a new note called {title}', 'new note titled {title} with the content {body}',
        'create a note, title {title}, text {body}', 'write {body} in my notes as {title}',
        '[pinned] create a note called {title} saying {body} and pin it',
        '[pinned] make a pinned note titled {title}: {body}', '[pinned] new pinned note {title}, {body}',
        '[pinned] pin a note called {title} that says {body}', '[pinned] save a pinned note named {title} with {body}',
        '[pinned] write a note {title}: {body}, and pin it to the top',
        '[pinned] note titled {title} saying {body}, pinned'],
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
        'shopping list: {items}', 'add {items} to the list', 'we are out of {items}, add it to the shopping list',
        'put {items} on my list', 'add {items} to my shopping', 'we need {items}',
        "I'm out of {items}, add to my shopping list", 'shopping list, add {items}',
        'include {items} on the shopping list', 'pop {items} on the shopping list',
        "we're low on {items}, add to the shopping list", '{items} to the shopping list',
        'put down {items} on my shopping list', 'my shopping list needs {items}', "we've run out of {items}",
        'I have to pick up {items}, add to the list', 'throw {items} on the shopping list',
        'add {items} to my shopping list for the next shop'],
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
        'what is {text} in {lang}', 'say {text} in {lang}',
        'translate {text} to {lang}', "what's {text} in {lang}", 'how would I say {text} in {lang}',
        '{lang} for {text}', "what's the {lang} for {text}", 'how do I say {text} in {lang}',
        'put "{text}" into {lang}', 'translate this into {lang}: {text}', 'I want to say {text} in {lang}',
        'in {lang}, how do you say {text}', 'convert {text} to {lang}', "what's the {lang} translation of {text}",
        'translate the phrase "{text}" into {lang}', 'how is "{text}" said in {lang}', '{lang} translation of "{text}"',
        'help me say "{text}" in {lang}'],
      eval: ['render "{text}" in {lang}', 'I need {text} in {lang}, translate it'],
    },
    draw(p): Draw {
      const text = p.phrase(); const lang = p.language();
      return { slots: { text, lang }, args: { text: val(text), target_language: val(lang) } };
    },
  },
];
