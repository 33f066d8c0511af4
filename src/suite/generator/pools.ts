// Entity pools, split into disjoint train and eval halves so an evaluation on the eval split measures
// generalisation (copying unseen names, places and texts into arguments), not recall. The train half
// adds procedurally made names and titles so a model trained on it learns to copy, not to memorise.
import { openVocab, wordsOf, type OpenVocab } from './open-vocab.ts';
import type { Rng } from './prng.ts';

export type Split = 'train' | 'eval';

interface Pool { train: readonly string[]; eval: readonly string[] }

const FIRST_NAMES: Pool = {
  train: ['Anna', 'Ben', 'Carla', 'David', 'Elena', 'Frank', 'Grace', 'Hugo', 'Irene', 'Jack', 'Karen', 'Leo', 'Maria',
    'Nathan', 'Olivia', 'Paul', 'Rosa', 'Sam', 'Tina', 'Victor', 'Wendy', 'Yusuf', 'Zoe', 'Adam', 'Bella', 'Chris',
    'Diana', 'Ethan', 'Fiona', 'George', 'Hannah', 'Ian', 'Julia', 'Kevin', 'Laura', 'Mike', 'Nina', 'Oscar',
    'Priya', 'Raj', 'Sofia', 'Tom', 'Uma', 'Wei', 'Xavier', 'Amir', 'Chloe', 'Dmitri', 'Emma', 'Felix', 'Ines',
    'Jonas', 'Kenji', 'Lina', 'Marco', 'Nadia', 'Omar', 'Pedro', 'Sara', 'Theo', 'Lucas', 'Mia', 'Noah', 'Ava'],
  eval: ['Beatrice', 'Cyrus', 'Delphine', 'Ezra', 'Freya', 'Gideon', 'Harriet', 'Ivo', 'Jasmine', 'Kofi', 'Lorenzo',
    'Matilda', 'Niamh', 'Orla', 'Quentin', 'Rafael', 'Sienna', 'Tobias', 'Ursula', 'Vikram', 'Willa', 'Yara',
    'Zeke', 'Anouk', 'Barnaby', 'Cosima', 'Dorian', 'Esme'],
};

const RELATIONS: Pool = {
  train: ['mom', 'dad', 'my sister', 'my brother', 'my boss', 'grandma'],
  eval: ['my aunt', 'my uncle', 'my cousin', 'grandpa'],
};

const CITIES: Pool = {
  train: ['Paris', 'London', 'Berlin', 'Madrid', 'Rome', 'Tokyo', 'Sydney', 'Toronto', 'Chicago', 'Boston', 'Seattle',
    'Denver', 'Austin', 'Miami', 'Dublin', 'Oslo', 'Vienna', 'Prague', 'Lisbon', 'Athens', 'Cairo', 'Nairobi', 'Mumbai',
    'Delhi', 'Seoul', 'Osaka', 'Lima', 'Bogota', 'Santiago', 'Montreal', 'Vancouver', 'Phoenix', 'Atlanta', 'Houston',
    'Dallas', 'Warsaw', 'Budapest', 'Zurich', 'Geneva', 'Munich', 'Hamburg', 'Milan', 'Naples', 'Porto', 'Seville',
    'Krakow', 'Helsinki', 'Stockholm', 'Copenhagen', 'Brussels', 'Amsterdam', 'Manila', 'Jakarta', 'Bangkok', 'Hanoi'],
  eval: ['Edinburgh', 'Marseille', 'Valencia', 'Florence', 'Kyoto', 'Melbourne', 'Ottawa', 'Portland', 'Nashville',
    'San Diego', 'Reykjavik', 'Tallinn', 'Ljubljana', 'Bratislava', 'Casablanca', 'Accra', 'Chennai', 'Busan',
    'Quito', 'Montevideo', 'Halifax', 'Pittsburgh', 'Bordeaux', 'Salzburg'],
};

const COUNTRIES: Record<string, string> = {
  Paris: 'France', London: 'UK', Berlin: 'Germany', Madrid: 'Spain', Rome: 'Italy', Tokyo: 'Japan', Sydney: 'Australia',
  Toronto: 'Canada', Edinburgh: 'UK', Marseille: 'France', Valencia: 'Spain', Florence: 'Italy', Kyoto: 'Japan',
  Melbourne: 'Australia', Ottawa: 'Canada', Reykjavik: 'Iceland', Tallinn: 'Estonia', Lisbon: 'Portugal',
  Vienna: 'Austria', Dublin: 'Ireland', Oslo: 'Norway', Busan: 'South Korea', Seoul: 'South Korea',
};

const PLACES: Pool = {
  train: ['the airport', 'the train station', 'the office', 'the gym', 'the nearest pharmacy', 'the city library',
    'the supermarket', 'the hospital', 'the beach', 'the stadium', 'the museum', 'the zoo', 'the mall', 'the park',
    'the post office', 'the university', 'the bus station', 'the harbour'],
  eval: ['the cinema', 'the ferry terminal', 'the botanical garden', 'the town hall', 'the dentist', 'the bakery',
    'the concert hall', 'the ski resort'],
};

const STREETS: Pool = {
  train: ['Main Street', 'Oak Avenue', 'Elm Road', 'Park Lane', 'High Street', 'Maple Drive', 'River Road', 'Cedar Way',
    'King Street', 'Church Road', 'Mill Lane', 'Station Road'],
  eval: ['Willow Crescent', 'Juniper Court', 'Harbor Boulevard', 'Chestnut Row', 'Birch Terrace'],
};

const ROOMS: Pool = {
  train: ['living room', 'kitchen', 'bedroom', 'bathroom', 'office', 'hallway', 'dining room', 'garage', 'kids room',
    'basement'],
  eval: ['guest room', 'porch', 'attic', 'nursery', 'study', 'patio'],
};

const DOORS: Pool = {
  train: ['front door', 'back door', 'garage door', 'side door', 'gate'],
  eval: ['patio door', 'basement door', 'shed door'],
};

const COLORS: Pool = {
  train: ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'pink', 'white'],
  eval: ['teal', 'amber', 'magenta', 'turquoise', 'lavender'],
};

const TITLE_WORDS: Pool = {
  train: ['Midnight', 'River', 'Golden', 'Summer', 'Fire', 'Ocean', 'Silver', 'Dream', 'Thunder', 'Morning', 'Wild',
    'Heart', 'Highway', 'Neon', 'Paper', 'Shadow', 'Electric', 'Broken', 'Velvet', 'Crystal', 'Winter', 'Lonely',
    'Sugar', 'Honey', 'Stone', 'City', 'Lights', 'Rain', 'Moon', 'Sun', 'Rose', 'Echo', 'Gravity', 'Rocket', 'Tiger'],
  eval: ['Lantern', 'Orchid', 'Harbor', 'Comet', 'Marble', 'Saffron', 'Willow', 'Ember', 'Glacier', 'Meadow', 'Cobalt',
    'Falcon', 'Juniper', 'Tundra'],
};

const ARTISTS: Pool = {
  train: ['Taylor Swift', 'Adele', 'Coldplay', 'Drake', 'Beyonce', 'Queen', 'Radiohead', 'Daft Punk', 'Nirvana',
    'Madonna', 'Ed Sheeran', 'Bruno Mars', 'Rihanna', 'ABBA', 'Metallica', 'Shakira', 'Eminem', 'Muse', 'Oasis',
    'Lady Gaga', 'Billie Eilish', 'Dua Lipa', 'The Weeknd', 'Arctic Monkeys', 'Pink Floyd', 'Miles Davis'],
  eval: ['Fleetwood Mac', 'Norah Jones', 'Kendrick Lamar', 'Lorde', 'Sade', 'Gorillaz', 'Bjork', 'Stevie Wonder',
    'Massive Attack', 'Florence and the Machine'],
};

const GENRES: Pool = {
  train: ['jazz', 'rock', 'hip hop', 'classical', 'pop', 'country', 'techno', 'blues', 'reggae'],
  eval: ['lo-fi', 'bossa nova', 'folk', 'soul', 'ambient'],
};

const MESSAGES: Pool = {
  train: ["I'm running late", 'see you at dinner', 'call me when you land', 'the meeting moved to Monday',
    'happy birthday', 'can you pick up milk', "I'll be home soon", 'good luck with the exam', 'thanks for the gift',
    'where are you', 'the package arrived', "don't forget the keys", 'lunch is on me today', 'are we still on for tonight',
    'I left the documents on your desk', 'the kids are asleep', 'traffic is terrible', 'bring an umbrella',
    'see you at the gym', 'I found your wallet', 'the car is fixed', 'dinner is ready', 'meet me at the entrance',
    'congratulations on the new job', 'I booked the tickets', 'the train is delayed', 'please call the plumber',
    'I miss you', 'let me know when you are free', 'the report is done', 'feed the cat please', 'I got the job',
    'we need more coffee', 'text me the address', 'running ten minutes behind', 'the door code changed'],
  eval: ['the concert starts at eight', 'save me a seat', 'I sent the invoice', 'the dog needs a walk',
    'can we reschedule to Friday', 'water the plants please', 'the flight got cancelled', 'I parked on level three',
    'bring your passport', 'the oven is preheated', 'welcome to the team', 'I am outside'],
};

const SUBJECTS: Pool = {
  train: ['Quarterly report', 'Meeting notes', 'Project update', 'Invoice', 'Weekend plans', 'Budget review',
    'Travel itinerary', 'Job application', 'Team lunch', 'Contract draft', 'Holiday schedule', 'Feedback'],
  eval: ['Lease renewal', 'Conference agenda', 'Volunteer shifts', 'Grant proposal', 'Recipe swap'],
};

const TASKS: Pool = {
  train: ['call the bank', 'pay the rent', 'take my medicine', 'buy flowers', 'submit the report', 'book a haircut',
    'renew my passport', 'pick up the kids', 'walk the dog', 'return the library books', 'check the oven',
    'water the garden', 'move the car', 'send the invoice', 'charge my phone', 'stretch', 'drink water',
    'take out the trash', 'call the dentist', 'back up my laptop', 'order a cake', 'pack my bag', 'feed the fish'],
  eval: ['defrost the chicken', 'cancel the gym membership', 'change the bed sheets', 'book the vet',
    'file my taxes', 'repot the cactus', 'update my resume'],
};

const EVENTS: Pool = {
  train: ['Team standup', 'Dentist appointment', 'Lunch with Sam', 'Project review', 'Yoga class', 'Parent meeting',
    'Doctor visit', 'Book club', 'Coffee with Anna', 'Budget meeting', 'Piano lesson', 'Job interview',
    'Sprint planning', 'Birthday party', 'Football practice', 'Client call'],
  eval: ['Pottery workshop', 'Quarterly offsite', 'Tax consultation', 'Wine tasting', 'Choir rehearsal'],
};

const NOTE_TOPICS: Pool = {
  train: ['Groceries', 'Ideas', 'Packing list', 'Gift ideas', 'Books to read', 'Workout plan', 'Recipes', 'Passwords hint',
    'Movie list', 'Garden plan', 'Meeting', 'Travel', 'Budget', 'Todo'],
  eval: ['Podcast ideas', 'Wedding plans', 'Camping gear', 'Renovation'],
};

const NOTE_BODIES: Pool = {
  train: ['buy eggs and bread', 'try the new pasta recipe', 'ask about the deadline', 'finish chapter three',
    'the wifi password is on the router', 'book flights before May', 'call the insurance company',
    'remember to stretch every hour', 'plant tomatoes in spring', 'compare phone plans', 'fix the squeaky door',
    'get a new passport photo', 'learn ten Spanish words a day', 'cancel the old subscription'],
  eval: ['buy a tent and two sleeping bags', 'paint the hallway blue', 'record the episode on Tuesday',
    'ask the florist for peonies'],
};

const SEARCH_TOPICS: Pool = {
  train: ['best pizza nearby', 'how to boil an egg', 'weather radar', 'cheap flights to Rome', 'python tutorial',
    'how tall is mount everest', 'latest football scores', 'vegan lasagna recipe', 'how to fix a flat tire',
    'symptoms of the flu', 'electric car prices', 'how to tie a tie', 'history of the roman empire',
    'best hiking trails', 'how to learn guitar', 'used bikes for sale', 'movie times tonight', 'how to make sourdough',
    'stock market news', 'translate hello to french', 'how many ounces in a cup', 'good sci-fi books'],
  eval: ['how to descale a kettle', 'origami crane instructions', 'tide times this weekend', 'best budget headphones',
    'how do solar panels work', 'local farmers market hours'],
};

const SHOP_ITEMS: Pool = {
  train: ['milk', 'eggs', 'bread', 'apples', 'bananas', 'coffee', 'rice', 'pasta', 'tomatoes', 'cheese', 'butter',
    'onions', 'chicken', 'yogurt', 'orange juice', 'cereal', 'potatoes', 'carrots', 'olive oil', 'soap', 'toothpaste',
    'paper towels', 'lemons', 'garlic', 'tea', 'sugar', 'flour', 'beans', 'salmon', 'spinach'],
  eval: ['avocados', 'oat milk', 'mushrooms', 'dish soap', 'tortillas', 'peanut butter', 'cucumbers', 'honey',
    'batteries', 'basil'],
};

const LANGUAGES: Pool = {
  train: ['French', 'Spanish', 'German', 'Italian', 'Japanese', 'Chinese', 'Portuguese', 'Russian'],
  eval: ['Dutch', 'Korean', 'Greek', 'Swedish', 'Turkish'],
};

const PHRASES: Pool = {
  train: ['good morning', 'where is the station', 'thank you very much', 'how much does this cost', 'I am hungry',
    'nice to meet you', 'the bill please', 'I need a doctor', 'see you tomorrow', 'what time is it'],
  eval: ['the museum is closed', 'I lost my ticket', 'is breakfast included', 'one coffee with milk'],
};

const CHITCHAT: Pool = {
  train: ['Tell me a joke', 'What is the meaning of life?', 'How are you today?', 'Who won the world cup in 1998?',
    'Write a haiku about autumn', 'What is the capital of Australia?', 'Explain quantum physics simply',
    'Do you like cats?', 'What is two plus two?', 'Sing me a song', 'Who are you?', 'Recommend a good book',
    'What year did the Titanic sink?', 'How do airplanes fly?', 'Thanks, that is all'],
  eval: ['What rhymes with orange?', 'Summarize the plot of Hamlet', 'Are you a robot?', 'Why is the sky blue?',
    'Give me a fun fact about octopuses'],
};

/** The pools of one split. The train split also draws, often, from an open vocabulary of ordinary and
 * made-up words (see open-vocab.ts); the eval split draws only from its literal pools, exactly as before. */
export class Pools {
  private readonly open?: OpenVocab;

  constructor(readonly split: Split, private readonly rng: Rng) {
    if (split === 'train') this.open = openVocab(rng, EVAL_WORDS);
  }

  private from(pool: Pool): string {
    return this.rng.pick(pool[this.split]);
  }

  /** Train split: with probability p, an open-vocabulary value instead of a pool entry. */
  private withOpen(pool: Pool, p: number, make: (v: OpenVocab) => string): string {
    return this.open && this.rng.chance(p) ? make(this.open) : this.from(pool);
  }

  firstName(): string { return this.withOpen(FIRST_NAMES, 0.5, (v) => (this.rng.chance(0.5) ? v.syllableName() : v.pseudoName())); }
  relation(): string { return this.from(RELATIONS); }
  city(): string {
    return this.withOpen(CITIES, 0.5, (v) => this.rng.chance(0.4)
      ? v.syllableName() + this.rng.pick(['ville', 'burg', 'ton', ' City', 'field', 'port'])
      : v.pseudoName() + (this.rng.chance(0.2) ? ` ${v.pseudoName()}` : ''));
  }
  country(city: string): string | undefined { return COUNTRIES[city]; }
  place(): string { return this.withOpen(PLACES, 0.5, (v) => `the ${this.rng.chance(0.3) ? `${v.adjective()} ` : ''}${v.noun()}`); }
  address(): string {
    const number = this.rng.int(1, 250); // drawn first: the eval stream must stay exactly as it was
    const street = this.withOpen(STREETS, 0.5, (v) => `${v.pseudoName()} ${this.rng.pick(['Street', 'Road', 'Avenue', 'Lane', 'Way', 'Drive'])}`);
    return `${number} ${street}`;
  }
  room(): string { return this.withOpen(ROOMS, 0.3, (v) => `${v.noun()} room`); }
  door(): string { return this.withOpen(DOORS, 0.3, (v) => `${v.noun()} door`); }
  color(): string { return this.from(COLORS); }
  title(): string {
    if (this.open && this.rng.chance(0.5)) return this.open.title();
    const n = this.rng.int(1, 3);
    return Array.from({ length: n }, () => this.from(TITLE_WORDS)).join(' ');
  }
  artist(): string {
    return this.withOpen(ARTISTS, 0.5, (v) => this.rng.chance(0.5)
      ? `${v.syllableName()} ${this.rng.pick(['Band', 'Trio', ''])}`.trim()
      : `${this.rng.chance(0.3) ? 'The ' : ''}${v.title()}`);
  }
  genre(): string { return this.from(GENRES); }
  message(): string { return this.withOpen(MESSAGES, 0.5, (v) => v.phrase(2, 7)); }
  subject(): string { return this.withOpen(SUBJECTS, 0.5, (v) => v.title()); }
  task(): string { return this.withOpen(TASKS, 0.5, (v) => `${v.verb()} ${v.phrase(1, 4)}`); }
  event(): string { return this.withOpen(EVENTS, 0.5, (v) => v.title()); }
  noteTopic(): string { return this.withOpen(NOTE_TOPICS, 0.5, (v) => v.title()); }
  noteBody(): string { return this.withOpen(NOTE_BODIES, 0.5, (v) => `${v.verb()} ${v.phrase(1, 6)}`); }
  searchTopic(): string { return this.withOpen(SEARCH_TOPICS, 0.5, (v) => v.phrase(2, 6)); }
  shopItem(): string { return this.withOpen(SHOP_ITEMS, 0.4, (v) => (this.rng.chance(0.3) ? `${v.adjective()} ${v.noun()}` : `${v.noun()}s`)); }
  language(): string { return this.from(LANGUAGES); }
  phrase(): string { return this.withOpen(PHRASES, 0.5, (v) => v.phrase(2, 6)); }
  chitchat(): string { return this.from(CHITCHAT); }
  emailOf(name: string): string {
    const domain = this.split === 'train' ? this.rng.pick(['example.com', 'mail.com', 'work.org', 'corp.net'])
      : this.rng.pick(['example.org', 'inbox.io']);
    return `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@${domain}`;
  }
  phoneNumber(): string {
    return `+1${this.rng.int(200, 999)}${this.rng.int(200, 999)}${String(this.rng.int(0, 9999)).padStart(4, '0')}`;
  }
}

/** Every literal pool, for the disjointness test. */
export const ALL_POOLS: Record<string, Pool> = {
  FIRST_NAMES, RELATIONS, CITIES, PLACES, STREETS, ROOMS, DOORS, COLORS, TITLE_WORDS, ARTISTS, GENRES, MESSAGES,
  SUBJECTS, TASKS, EVENTS, NOTE_TOPICS, NOTE_BODIES, SEARCH_TOPICS, SHOP_ITEMS, LANGUAGES, PHRASES, CHITCHAT,
};

/** Every word of every eval pool: the train split's open vocabulary never uses them. */
export const EVAL_WORDS: ReadonlySet<string> = wordsOf(Object.values(ALL_POOLS).flatMap((p) => p.eval));
