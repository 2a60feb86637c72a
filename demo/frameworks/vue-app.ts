/**
 * The Vue 3 page of the demo (/vue.html): the rt elements in a Vue template
 * with reactive bindings. Built by build.mjs with esbuild into
 * dist/pages/vue.js (Vue's full build, which compiles the template in the
 * page); no framework CLI.
 */
import { createApp, ref } from 'vue';
import '../../widgets/index.js';
import type {} from '../../widgets/vue/index.js';

const app = createApp({
  setup() {
    const topic = ref('cpu.api');
    const status = ref('idle');
    const onStatus = (event: CustomEvent<{ status: string }>) => {
      status.value = event.detail.status;
    };
    return { topic, status, onStatus };
  },
  template: `
    <main>
      <h1>rt in Vue 3</h1>
      <label>Metric topic
        <select id="topic" v-model="topic">
          <option value="cpu.api">cpu.api</option>
          <option value="cpu.worker">cpu.worker</option>
        </select>
      </label>
      <p>Connection (from the <code>rt-status</code> event): <strong id="status">{{ status }}</strong></p>
      <div class="grid">
        <rt-metric id="metric" :topic="topic" :label="'CPU · ' + topic.split('.')[1]" unit="%" :decimals="1" @rt-status="onStatus"></rt-metric>
        <rt-chart topics="http.latency.p50,http.latency.p95" label="Latency (ms)"></rt-chart>
      </div>
    </main>`,
});
// The rt- tags are custom elements, not Vue components.
app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('rt-');
app.mount('#root');
