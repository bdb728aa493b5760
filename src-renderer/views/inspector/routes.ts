import type { RouteRecordRaw } from 'vue-router';

export default [
  { path: '/inspector', name: 'inspector', component: () => import('./InspectorView.vue'), meta: { nav: { label: 'nav.inspector', icon: '☰', order: 90 } } },
] satisfies RouteRecordRaw[];
